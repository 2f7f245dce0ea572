"""Long text and scripts: chunking, ``[pause]`` markup, script files, joining takes, timelines.

Everything here is pure Python on numpy, without torch or Qt, except :mod:`engine.text.render`,
which drives a loaded model (and still imports no torch itself). The studio's script panel and
``timbre-cli`` share these functions.
"""
