"""A call run on another thread for a test: `done` is set however it ends, and join() re-raises its error."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background:
    def __init__(self, target: Callable[[], object]) -> None:
        self.done = threading.Event()
        self._error: BaseException | None = None
        self._target = target
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._target()
        except BaseException as error:  # handed to join(), so the test fails instead of waiting forever
            self._error = error
        finally:
            self.done.set()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error
