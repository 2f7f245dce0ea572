"""The engine service: one worker thread owns the model; every front end submits typed requests
and gets a handle per job with that job's own events (Qt-free; torch only on the worker thread).
"""

from __future__ import annotations

from .events import (
    ChunkAudio,
    DevicesFound,
    Done,
    Failed,
    GpuMemory,
    JobEvent,
    LineFailed,
    ModelChanged,
    Progress,
    PromptReady,
    ServiceEvent,
    Started,
    TakeReady,
    VoicesAdded,
)
from .handle import JobFailed, JobHandle
from .requests import (
    AddVoiceRequest,
    ExtractRequest,
    GenerateRequest,
    ImportVoicesRequest,
    LineRequest,
    LoadRequest,
    ModelPhase,
    ModelState,
    PromptRef,
    Request,
    SavePromptRequest,
    describe_error,
)
from .service import EngineService

__all__ = [
    "AddVoiceRequest",
    "ChunkAudio",
    "DevicesFound",
    "Done",
    "EngineService",
    "ExtractRequest",
    "Failed",
    "GenerateRequest",
    "GpuMemory",
    "ImportVoicesRequest",
    "JobEvent",
    "JobFailed",
    "JobHandle",
    "LineFailed",
    "LineRequest",
    "LoadRequest",
    "ModelChanged",
    "ModelPhase",
    "ModelState",
    "Progress",
    "PromptReady",
    "PromptRef",
    "Request",
    "SavePromptRequest",
    "ServiceEvent",
    "Started",
    "TakeReady",
    "VoicesAdded",
    "describe_error",
]
