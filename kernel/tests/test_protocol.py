"""Tests of the request reader of the kernel's stdin protocol, run in-process."""

import io
import json
import queue
import unittest

from openlabs_kernel import protocol


class FakeKernel:
    """The part of protocol.Kernel that the reader uses: whether a request is running."""

    class _Never:
        def is_set(self) -> bool:
            return False

    running = _Never()


class ShutdownRecordingQueue(queue.Queue):
    """A queue whose blocking put (the reader's final `shutdown`) is recorded, not queued, so
    that a full queue cannot block the test."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.blocking_puts: list[dict] = []

    def put(self, item: dict, block: bool = True, timeout: float | None = None) -> None:
        if block:
            self.blocking_puts.append(item)
        else:
            super().put(item, block=False)


class ReadRequestsTest(unittest.TestCase):
    def read(self, lines: list[dict], maxsize: int) -> tuple[list[str], list[dict]]:
        """Feed `lines` to the reader; return the queued request types and the events sent."""
        stdin = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
        output = io.StringIO()
        requests = ShutdownRecordingQueue(maxsize=maxsize)
        protocol._read_requests(stdin, requests, FakeKernel(), protocol.Channel(output))
        queued = []
        while not requests.empty():
            queued.append(requests.get_nowait())
        queued += requests.blocking_puts
        events = [json.loads(line) for line in output.getvalue().splitlines()]
        return [f'{request["type"]} {request.get("id")}' for request in queued], events

    def test_requests_beyond_queue_limit_fail(self) -> None:
        lines = [{"type": "ping", "id": number} for number in range(1, 6)]
        queued, events = self.read(lines, maxsize=3)
        self.assertEqual(queued, ["ping 1", "ping 2", "ping 3", "shutdown None"])
        self.assertEqual([e["request"] for e in events], [4, 5])
        self.assertTrue(all(e["type"] == "failed" for e in events))
        self.assertIn("3 requests waiting", events[0]["message"])

    def test_interrupt_bypasses_full_queue(self) -> None:
        lines = [{"type": "ping", "id": 1}, {"type": "interrupt", "id": 2}]
        queued, events = self.read(lines, maxsize=1)
        self.assertEqual(queued, ["ping 1", "shutdown None"])
        self.assertEqual(events, [{"type": "done", "request": 2}])


if __name__ == "__main__":
    unittest.main()
