"""The fan-out writing frames to a waiting listener's socket itself (server/live/direct.py)."""

from __future__ import annotations

import queue
import socket
import threading

from server.api.events import _stream
from server.live import Frame, Hub, Message
from server.live.direct import Direct, Tail


def move(seq: int, text: str = "") -> Frame:
    """A frame of one logged note change, as the fan-out makes it."""
    event = Message({"type": "changes", "seq": seq, "client": None,
                     "changes": [{"kind": "note", "id": "n1", "x": seq, "text": text}]})
    return Frame([event], seq, seq)


def chunk(data: bytes) -> bytes:
    return b"%X\r\n" % len(data) + data + b"\r\n"


def plain_direct(sock: socket.socket, chunked: bool = True) -> tuple[Direct, list[Frame]]:
    """A Direct that sends every frame's shared text, and the frames it said went."""
    went: list[Frame] = []
    return Direct(sock, chunked, lambda f: f.wire if f.plain else None, went.append), went


def test_a_frame_goes_to_the_socket_as_one_chunk_of_gunicorns():
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)  # as gevent keeps every socket underneath
        direct, went = plain_direct(a)
        frame = move(3)
        assert direct.send(frame) == b""
        assert b.recv(65536) == chunk(frame.wire)
        assert went == [frame]
        raw, _ = plain_direct(a, chunked=False)  # HTTP/1.0: no chunks, the bytes as they are
        assert raw.send(frame) == b"" and b.recv(65536) == frame.wire


def test_a_frame_the_stream_must_look_at_is_not_written():
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        direct, went = plain_direct(a)
        revoked = Frame.of({"type": "access_revoked", "role": "editor"})
        assert direct.send(revoked) is None and went == []
        b.setblocking(False)
        try:
            assert b.recv(100) == b""
        except BlockingIOError:
            pass  # nothing was sent


def test_what_a_full_socket_does_not_take_is_owed_not_lost():
    a, b = socket.socketpair()
    with a, b:
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        a.setblocking(False)
        direct, went = plain_direct(a)
        frame = move(7, "x" * 2_000_000)
        owed = direct.send(frame)
        assert owed and went == [frame]  # it counts as sent: the owed bytes go next
        # The socket, full now, takes nothing more: the next frame is owed whole.
        later = move(8, "y" * 1000)
        assert direct.send(later) == chunk(later.wire)
        got = bytearray()
        b.setblocking(False)
        while True:
            try:
                data = b.recv(1 << 20)
            except BlockingIOError:
                break
            got += data
        assert bytes(got) + owed == chunk(frame.wire)


class Recorder:
    """Stands in for Direct: takes a frame whole, or owes some of it, as told."""

    def __init__(self, owe: bytes = b"") -> None:
        self.owe, self.took = owe, []

    def send(self, frame: Frame) -> bytes | None:
        self.took.append(frame)
        return self.owe


def waiting(sub, direct) -> tuple[threading.Thread, queue.Queue]:
    """The listener waiting in get_frame with `direct`, in a thread; what it got comes out
    of the returned queue."""
    got: queue.Queue = queue.Queue()
    t = threading.Thread(target=lambda: got.put(sub.get_frame(timeout=5, direct=direct)))
    t.start()
    return t, got


def _until(check, seconds: float = 5.0) -> None:
    import time
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_waiting_listener_is_written_to_without_waking_it_and_order_holds():
    hub = Hub(queue_size=8, background=False)
    sub = hub.subscribe("b1")
    hub.flush()
    assert sub.get_frame(0).events[0]["type"] == "presence"
    direct = Recorder()
    t, got = waiting(sub, direct)
    _until(lambda: sub._direct is direct)
    first, second = move(1), move(2)
    sub.offer(first)
    assert direct.took == [first] and got.empty()  # written for it: it still waits
    direct.owe = None  # as Direct answers for a frame the stream must look at itself
    revoked = Frame.of({"type": "access_revoked", "role": "editor"})
    sub.offer(revoked)
    # Queued, and it wakes with it. From then on frames queue behind it until it waits
    # again, so none can overtake it.
    sub.offer(second)
    assert direct.took == [first, revoked]
    t.join(5)
    assert got.get_nowait().events[0]["type"] == "access_revoked"
    assert sub.frames_ready(8) == [second]
    assert sub._direct is None  # disarmed once it stops waiting


def test_an_owed_tail_wakes_the_listener_and_comes_before_a_resync():
    hub = Hub(queue_size=2, background=False)
    sub = hub.subscribe("b1")
    hub.flush()
    sub.get_frame(0)
    t, got = waiting(sub, Recorder(owe=b"7\r\n"))
    _until(lambda: sub._direct is not None)
    sub.offer(move(1))
    t.join(5)
    tail = got.get_nowait()
    assert isinstance(tail, Tail) and tail.raw == b"7\r\n"
    # A Tail queued, then more frames than the queue holds: the tail still goes first.
    t, got = waiting(sub, Recorder(owe=b"end\r\n"))
    _until(lambda: sub._direct is not None)
    for seq in range(2, 6):
        sub.offer(move(seq))
    t.join(5)
    assert isinstance(got.get_nowait(), Tail)
    assert sub.get_frame(0).events[0]["type"] == "resync"


def test_the_stream_parks_while_the_fan_out_writes_its_frames():
    """The stream's generator (events.py) waits in get_frame; frames offered meanwhile reach
    the socket without the generator yielding anything."""
    hub = Hub(queue_size=8, background=False)
    sub = hub.subscribe("b1")
    hub.flush()
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        gen = _stream(sub, [], 0, 5.0, None, lambda: None, lambda: True, direct_to=(a, True))
        assert next(gen) == b"retry: 2000\n\n"
        yielded: queue.Queue = queue.Queue()
        t = threading.Thread(target=lambda: yielded.put(next(gen, None)), daemon=True)
        t.start()  # the presence frame goes out through the generator, then it waits
        assert b"presence" in yielded.get(timeout=5)
        t = threading.Thread(target=lambda: yielded.put(next(gen, None)), daemon=True)
        t.start()
        _until(lambda: sub._direct is not None)
        frames = [move(1), move(2)]
        for frame in frames:
            sub.offer(frame)
        got = b""
        b.settimeout(5)
        while len(got) < sum(len(chunk(f.wire)) for f in frames):
            got += b.recv(65536)
        assert got == b"".join(chunk(f.wire) for f in frames)
        assert yielded.empty()  # the generator never woke for them
        sub.hang_up()
        t.join(5)
