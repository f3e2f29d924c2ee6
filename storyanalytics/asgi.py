"""The production entry point, `uvicorn storyanalytics.asgi:app` (the image's CMD): the app built from the
environment, started with the cyclic garbage collector out of the way.

Everything a start makes (modules, classes, routes, models, the engine) lives as long as the process, yet
the collector would walk all of it several times while the app starts: ~0.1-0.2 s of CPU per cold start.
So collection pauses from this module's first line until the app has started; the lifespan then freezes
what start-up made (collections never look at it again) and resumes collection for what requests make.
https://docs.python.org/3/library/gc.html#gc.freeze
"""

import gc

gc.disable()

from storyanalytics.api.app import app_from_environment  # noqa: E402  (after the pause, on purpose)

app = app_from_environment(resume_gc_after_start=True)
