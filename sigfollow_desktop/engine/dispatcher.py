"""The dispatcher: claims due deliveries, sends them on sender threads, records every attempt.

Qt-free. One coordinating thread (the caller of :meth:`Dispatcher.run`, or of
:meth:`Dispatcher.pump` in tests) does all the database work, in batches: it claims due
deliveries with a lease, hands them to a pool of sender threads (each with its own
``httpx.Client``), and records the attempts that come back, many per transaction. Senders only
do HTTP, so a slow receiver gets many requests in flight, and the per-webhook bound keeps a
dead one from taking every sender.

    coordinator ── jobs ──▶ sender 1..N (httpx.Client each) ── results ──▶ coordinator

Stopping is bounded: open connections are cut (see ``transport``), deliveries sent but not
recorded are released to be sent again, and the senders are joined.

Faults of the environment (another process holding the write lock, a full disk, an I/O error:
see ``store.faults``) do not stop the engine: it reports ``waiting`` with the reason, keeps
what it has sent but not yet recorded, and tries again with back-off until the fault passes.
Its claims stay leased meanwhile, and a lease that runs out only makes a delivery due again.
A damaged database file stops it at once, writing nothing more; a bug stops it with
``errored`` and the error's text, so the window and the terminal can say what happened.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import sqlite3
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from sigfollow_desktop.core.errors import DatabaseCorruptError, StoreError
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.retry import RetryPolicy
from sigfollow_desktop.engine.judge import judge
from sigfollow_desktop.engine.lanes import Lanes, Pace
from sigfollow_desktop.engine.reports import (
    AttemptRecorded,
    DeliveryFailed,
    EngineState,
    EngineStatus,
)
from sigfollow_desktop.engine.secret_cache import SecretCache, Signing
from sigfollow_desktop.engine.send import (
    DEFAULT_TIMEOUT,
    SendResult,
    make_client,
    post,
    signed_headers,
)
from sigfollow_desktop.engine.transport import (
    AbortSwitch,
    abortable_transport,
    verifying_context,
)
from sigfollow_desktop.store import outbox
from sigfollow_desktop.store.activity import ACTIVITY_KEPT, prune_activity
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_queue import queue_for
from sigfollow_desktop.store.faults import Fault
from sigfollow_desktop.store.notifications import ChangeListener
from sigfollow_desktop.store.retention import DEFAULT_KEEP, PRUNE_BATCH, prune_delivered

log = logging.getLogger(__name__)

LEASE_MARGIN = 1.0  # seconds a lease outlasts the request deadline, at the least
_WAKE = object()
COMMIT_WATCH = 0.05  # seconds between two looks at other processes' commits, when idle
# Faults a new connection may cure: a file that could not be opened or written, a server that
# went away.
_RECONNECT = ("readonly", "cantopen", "unreachable", "server")
_NOT_SENT = SendResult(status_code=None, duration_ms=0.0, error="not sent")
PRUNE_PAUSE = 0.05  # seconds between two prune batches while old deliveries are left


@dataclass(frozen=True)
class EngineConfig:
    """How hard the engine works."""

    senders: int = 64  # sender threads: the most requests in flight overall
    per_webhook: int = 48  # the most requests in flight to one webhook
    max_claimed: int = 1024  # claimed and not yet recorded, over all webhooks
    timeout: float = DEFAULT_TIMEOUT  # per request
    lease: float = 60.0  # a claimed delivery comes due again after this, if never recorded
    idle_wait: float = 1.0  # longest sleep before looking at the queue again
    batch_delay: float = 0.01  # how long finished attempts may wait to be recorded together
    max_batch: int = 512
    status_interval: float = 1.0
    stop_grace: float = 1.2  # how long stopping waits for the senders to end
    busy_timeout: float = 2.0  # how long one statement waits for another writer's lock
    max_backoff: float = 10.0  # longest wait between tries while the database is at fault
    # Delivered deliveries older than this (seconds) are pruned; None keeps them all.
    keep: float | None = DEFAULT_KEEP
    prune_batch: int = PRUNE_BATCH  # deliveries per prune transaction
    prune_every: float = 60.0  # seconds between looks for old ones, once none are left

    def __post_init__(self) -> None:
        if self.senders < 1 or self.per_webhook < 1:
            raise ValueError("senders and per_webhook must be at least 1")
        if self.prune_batch < 1:
            raise ValueError("prune_batch must be at least 1")
        if self.lease < self.timeout + LEASE_MARGIN:
            # A sender starts a request only if its deadline ends before the lease does.
            raise ValueError(
                f"the lease must be at least {LEASE_MARGIN:g} s longer than the request timeout"
            )


@dataclass(frozen=True, slots=True)
class _Job:
    claimed: outbox.Claimed
    url: str
    # When it was claimed, on the monotonic clock: the lease runs from then, whatever the
    # dispatcher's (injectable) clock says.
    claimed_at: float = field(default_factory=time.monotonic)

    @property
    def webhook_id(self) -> int:
        return self.claimed.webhook_id


@dataclass(frozen=True, slots=True)
class _Done:
    job: _Job
    started_at: float
    result: SendResult
    sent: bool = True  # False: withdrawn before sending, or cut by stop(); not an attempt


@dataclass
class _Backlog:
    """Attempts judged but not yet written, and claims to give back: kept until written."""

    records: list[outbox.AttemptRecord] = field(default_factory=list)
    reports: list[AttemptRecorded] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.records or self.unsent)


def _age(seconds: float) -> str:
    days = seconds / 86_400
    return f"{days:g} days" if days >= 1 else f"{seconds / 3600:g} hours"


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Delivers the queue of one store. Use :meth:`run` on a thread, or :meth:`pump` in tests.

    The reporting callbacks are called on the coordinating thread after each batch commits.
    """

    def __init__(
        self,
        store: Store,
        secrets: SecretStore,
        config: EngineConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        policy: RetryPolicy | None = None,
        owner: str | None = None,
        on_attempt: Callable[[AttemptRecorded], None] | None = None,
        on_failed: Callable[[DeliveryFailed], None] | None = None,
        on_status: Callable[[EngineStatus], None] | None = None,
    ) -> None:
        self.store = store
        self._queue = queue_for(store)
        self._listener: ChangeListener | None = None  # a shared database's wake-up calls
        self.config = config or EngineConfig()
        self.clock = clock
        self.policy = policy or RetryPolicy(clock=clock)
        self.owner = owner or default_owner()
        self.on_attempt = on_attempt
        self.on_failed = on_failed
        self.on_status = on_status
        self._secrets = SecretCache(secrets, clock)
        self._keys = Signing({})  # the latest round's reads: who may be signed for, who waits
        self._crashes: set[type[BaseException]] = set()  # logged with a traceback already
        self._lanes: Lanes[_Job] = Lanes()
        self._paces: dict[int, Pace] = {}
        self._results: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._switch = AbortSwitch()
        self._senders: list[threading.Thread] = []
        self._in_flight: dict[int, _Job] = {}
        self._per_webhook: dict[int, int] = {}
        # Secrets of the webhooks that may be sent to now, replaced whole at every round: a
        # sender signs with what is here when it sends, so a rotation applies to every
        # request sent after the round that saw it, queued ones included.
        self._signing: dict[int, str] = {}
        self._active: list[outbox.ActiveWebhook] = []  # as of the latest round
        self._turn = 0
        self._paused = threading.Event()
        self._stopping = threading.Event()
        self._connection: Connection | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._last_status: EngineStatus | None = None
        self._status_at = 0.0
        self._backlog = _Backlog()
        self._fault: Fault | None = None  # the environment's fault being waited out
        self._faults_in_a_row = 0
        self._error: str | None = None  # why the engine stopped, when not asked to
        self._depth = (0, 0, 0)  # the queue depth, failed deliveries and attempts last read
        self._closed = False
        self._checking = False  # quick_check of a big store before the first write
        self.sent = 0
        self._keep = self.config.keep
        self.pruned = 0
        self._prune_at = 0.0  # monotonic time of the next look for old deliveries

    # Control, safe from any thread ---------------------------------------------------------

    @property
    def state(self) -> EngineState:
        if self._error is not None:
            return "errored"
        if self._stopping.is_set():
            return "stopped"
        if self._paused.is_set():
            return "paused"
        return "waiting" if self._fault is not None or self._checking else "running"

    @property
    def reason(self) -> str | None:
        """Why the engine is waiting or stopped by an error, for a person."""
        if self._error is not None:
            return self._error
        if self._checking:
            return "checking the database file"
        if self._fault is not None and not self._stopping.is_set():
            return self._fault.reason
        return None

    def pause(self) -> None:
        self._paused.set()
        self.wake()

    def resume(self) -> None:
        self._paused.clear()
        self.wake()

    @property
    def keep(self) -> float | None:
        """The age (seconds) of delivered deliveries kept; None keeps them all."""
        return self._keep

    @keep.setter
    def keep(self, seconds: float | None) -> None:
        """Changed while running (the window's setting): applied from the next round on."""
        self._keep = seconds
        self._prune_at = 0.0
        self.wake()

    def wake(self) -> None:
        """Look at the queue now (new events arrived, a webhook changed)."""
        self._results.put(_WAKE)

    def stop(self) -> None:
        """Ask :meth:`run` to end; it returns within ``stop_grace`` and a little."""
        self._stopping.set()
        self._results.put(_WAKE)

    # Running -------------------------------------------------------------------------------

    def run(self) -> None:
        """Deliver until :meth:`stop`; then cut open requests, release their claims, return.

        Faults of the environment are waited out; a bug ends the run as ``errored``.
        """
        try:
            self._start()
            self._check_store()
            self._report_status(force=True)
            timeout = 0.0
            while not self._stopping.is_set():
                self._settle(self._collect(timeout))
                if self._stopping.is_set():
                    break
                timeout = self._round()
        except DatabaseCorruptError:
            self._error = self._damaged_reason()
        except Exception as exc:
            self._fail(exc)
        finally:
            self.close()

    def pump(self) -> list[AttemptRecorded]:
        """One round for tests: claim what is due now, send it all, record it all."""
        self._start()
        reports: list[AttemptRecorded] = []
        self._claim_and_submit()
        while self._in_flight:
            self._settle(self._collect(self.config.timeout + 5.0))
            reports += self._flush()
        return reports

    def close(self) -> None:
        """Stop the senders, record what was sent, release unsent claims, report the end.

        Writes nothing to a damaged file; a fault here leaves the claims to their leases.
        """
        self._stopping.set()
        if self._closed:
            return
        self._closed = True
        if self._connection is None:
            if self._error is not None:  # it never started: say why
                self._report_status(force=True)
            return
        self._switch.abort()
        if self._listener is not None:
            self._listener.stop()
        for job in self._lanes.close():
            self._backlog.unsent.append(job.claimed.delivery_id)
            self._forget(job)
        deadline = time.monotonic() + self.config.stop_grace
        for thread in self._senders:
            thread.join(max(0.0, deadline - time.monotonic()))
        lingering = [t.name for t in self._senders if t.is_alive()]
        if lingering:
            log.warning("senders still connecting at stop: %s", ", ".join(lingering))
        done: list[_Done] = []
        while True:
            try:
                item = self._results.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Done):
                done.append(item)
        self._settle(done)
        self._backlog.unsent += list(self._in_flight)
        self._in_flight.clear()
        if self.store.damaged is None and not self._connection.closed:
            try:
                self._flush()
            except (DBAPIError, sqlite3.Error) as exc:
                fault = self.store.note(exc)
                if fault is None:
                    self._fail(exc)
                else:
                    log.warning(
                        "at stop, %s (%s): %d attempt(s) not recorded and %d claim(s) not "
                        "given back; their leases run out within %.0f s and they are sent again",
                        fault.reason,
                        fault.detail,
                        len(self._backlog.records),
                        len(self._backlog.unsent),
                        self.config.lease,
                    )
            except Exception as exc:
                self._fail(exc)
        if self.store.damaged is not None and self._error is None:
            self._error = self._damaged_reason()
        self._report_status(force=True)
        self._connection.close()
        self._connection = None

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Coordinator internals -----------------------------------------------------------------

    def _start(self) -> None:
        if self._connection is not None:
            return
        self.store.refuse_if_damaged()
        # Every connection this thread takes waits that long for a lock, new ones included.
        self.store.set_busy_timeout(self.config.busy_timeout)
        self._connection = self.store.connect()
        self._ssl_context = verifying_context()
        if self.store.shared:
            # Other hosts add events and change webhooks: hear it at once, not at the next look.
            self._listener = ChangeListener(self.store, lambda _channel: self.wake()).start()

    def _check_store(self) -> None:
        """Check the whole file before the first write, when opening did not (a big store)."""
        if self.store.checked:
            return
        self._checking = True
        self._report_status(force=True)
        started = time.monotonic()
        try:
            self.store.check()
        except StoreError:
            if self.store.damaged is not None:
                raise
            # Could not read it all now (busy, I/O): damage still stops the first write that
            # meets it.
            log.warning("the database file could not be checked in full", exc_info=True)
        finally:
            self._checking = False
        log.info("database file checked in %.1f s", time.monotonic() - started)

    def _round(self) -> float:
        """Record what was sent, claim what is due; return how long to wait for answers."""
        try:
            self._reconnect_if_needed()
            self._flush()
            claimed = self._claim_and_submit()
            more_to_prune = self.prune()
            if self._fault is not None:
                log.info("delivery resumed: %s no more", self._fault.reason)
                self._fault, self._faults_in_a_row = None, 0
            self._report_status()
            if claimed:
                return 0.0
            # Old deliveries left: the next batch soon, other writers' turn in between.
            return min(PRUNE_PAUSE, self._idle_timeout()) if more_to_prune else self._idle_timeout()
        except (DBAPIError, sqlite3.Error) as exc:
            fault = self.store.note(exc)
            if fault is None:
                raise
            return self._wait_out(fault)

    def _wait_out(self, fault: Fault) -> float:
        """Note a fault of the environment; return how long to wait before trying again."""
        if not fault.transient:  # a damaged file: write nothing more, ever
            self._error = self._damaged_reason()
            self._stopping.set()
            return 0.0
        if self._fault is None or self._fault.kind != fault.kind:
            log.warning("delivery waiting: %s (%s)", fault.reason, fault.detail)
        self._fault = fault
        self._faults_in_a_row += 1
        self._report_status()
        # The exponent is capped: a fault that lasts long must not overflow the float.
        return min(self.config.max_backoff, 0.25 * 2.0 ** min(self._faults_in_a_row, 16))

    def _reconnect_if_needed(self) -> None:
        """A file that could not be opened or written may be fine again on a new connection.

        The old one is closed first: SQLite shares its view of the file (a read-only -shm
        among it) between the connections of a process while any of them is open.
        """
        assert self._connection is not None
        if self._fault is not None and self._fault.kind in _RECONNECT:
            if not self._connection.closed:
                self._connection.invalidate()
                self._connection.close()
            self._connection = self.store.connect()  # if this fails, the next round tries again

    def _damaged_reason(self) -> str:
        return f"the database file is damaged ({self.store.damaged}); nothing more is written to it"

    def _fail(self, exc: Exception) -> None:
        """A bug: log it whole, stop, and say what it was."""
        log.error("the delivery engine stopped on an error", exc_info=exc)
        if self._error is None:
            self._error = f"an unexpected error ({type(exc).__name__}: {exc}); see the log"
        self._stopping.set()

    def _add_senders(self) -> None:
        """Start sender threads as the webhooks' limits call for them, up to ``senders``."""
        wanted = sum(self._pace(w).limit for w, held in self._per_webhook.items() if held)
        while len(self._senders) < min(wanted, self.config.senders):
            thread = threading.Thread(
                target=self._send_loop,
                name=f"sigfollow-sender-{len(self._senders) + 1}",
                daemon=True,
            )
            thread.start()
            self._senders.append(thread)

    def _send_loop(self) -> None:
        job: _Job | None = None
        transport = abortable_transport(self._switch, self._ssl_context)
        with make_client(self.config.timeout, transport=transport) as client:
            while True:
                job = self._lanes.take(job)
                if job is None:
                    return
                started_at, began = self.clock(), time.perf_counter()
                try:
                    done = self._send(client, job)
                except Exception as exc:  # a sender never dies: the attempt records what it was
                    done = self._crashed(job, started_at, began, exc)
                self._results.put(done)

    def _send(self, client: httpx.Client, job: _Job) -> _Done:
        """On a sender thread: sign with the webhook's current secret and POST."""
        started_at = self.clock()
        webhook_id = job.claimed.webhook_id
        secret = self._signing.get(webhook_id)
        if self._paused.is_set() or secret is None:
            # Paused, disabled, removed, or no secret (nothing is sent unsigned): not an attempt.
            return _Done(job, started_at, _NOT_SENT, sent=False)
        if time.monotonic() - job.claimed_at + self.config.timeout > self.config.lease:
            # Held so long (the database at fault, senders busy) that its lease would run out
            # before its deadline: another engine may claim it by then. Given back instead.
            return _Done(job, started_at, _NOT_SENT, sent=False)
        claimed = job.claimed
        headers = signed_headers(
            secret,
            claimed.body,
            event_id=claimed.event_uid,
            delivery_id=claimed.delivery_uid,
            field=claimed.field,
            attempt=claimed.attempt,
        )
        result = post(client, job.url, claimed.body, headers)
        return _Done(job, started_at, result, sent=not self._switch.aborted)

    def _crashed(self, job: _Job, started_at: float, began: float, exc: Exception) -> _Done:
        """An attempt that raised: logged (the traceback once per kind) and recorded as is."""
        delivery_id = job.claimed.delivery_id
        if type(exc) in self._crashes:
            log.error(
                "delivery %d: the attempt failed: %s: %s", delivery_id, type(exc).__name__, exc
            )
        else:
            self._crashes.add(type(exc))
            log.exception("delivery %d: the attempt failed unexpectedly", delivery_id)
        error = f"The attempt failed unexpectedly ({type(exc).__name__}: {exc}); see the log"
        duration = (time.perf_counter() - began) * 1000
        result = SendResult(status_code=None, duration_ms=duration, error=error)
        return _Done(job, started_at, result, sent=not self._switch.aborted)

    def _collect(self, timeout: float) -> list[_Done]:
        """Wait up to ``timeout`` for finished attempts; then gather a batch of them.

        While more answers are due, the coordinator sleeps a few milliseconds instead of
        waking for each one: fewer thread switches, and one transaction records them all.
        """
        done: list[_Done] = []
        try:
            first = self._next_result(timeout)
        except queue.Empty:
            return done
        if isinstance(first, _Done):
            done.append(first)
        if len(self._in_flight) > len(done) and not self._stopping.is_set():
            time.sleep(self.config.batch_delay)
        while len(done) < self.config.max_batch:
            try:
                item = self._results.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Done):
                done.append(item)
        return done

    def _next_result(self, timeout: float) -> object:
        """The next finished attempt or wake-up within ``timeout`` (raises ``queue.Empty``).

        On the SQLite file, a long wait is cut in slices of ``COMMIT_WATCH`` seconds, and
        between two the engine's own connection asks whether another connection committed
        meanwhile (``PRAGMA data_version``: a few microseconds, no lock): events stored by
        another process (an intake, an import, the window) are then looked at at once rather
        than at the next idle look. A shared database wakes engines with ``LISTEN`` instead.
        """
        if self.store.shared or timeout <= COMMIT_WATCH:
            return self._results.get(timeout=max(timeout, 0.0001))
        deadline = time.monotonic() + timeout
        seen = self._data_version()
        while True:
            left = deadline - time.monotonic()
            try:
                return self._results.get(timeout=max(min(left, COMMIT_WATCH), 0.0001))
            except queue.Empty:
                if left <= COMMIT_WATCH:
                    raise
            version = self._data_version()
            if seen is None:
                seen = version
            elif version is not None and version != seen:
                return _WAKE

    def _data_version(self) -> int | None:
        if self._connection is None or self._connection.invalidated:
            return None
        try:
            raw = self._connection.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            row = raw.execute("PRAGMA data_version").fetchone()
        except (DBAPIError, sqlite3.Error):
            return None
        return int(row[0]) if row is not None else None

    def _idle_timeout(self) -> float:
        if self._in_flight:
            return self.config.idle_wait
        if self._paused.is_set():
            return self.config.idle_wait
        assert self._connection is not None
        # The round that just ran read the webhooks; only their queues can wake us early.
        with self._connection.begin():
            due = self._queue.next_due(self._connection, [w.id for w in self._active])
        if due is None:
            return self.config.idle_wait
        return min(self.config.idle_wait, max(0.001, due - self.clock()))

    def _pace(self, webhook_id: int) -> Pace:
        pace = self._paces.get(webhook_id)
        if pace is None:
            pace = self._paces[webhook_id] = Pace(self.config.per_webhook)
        return pace

    def _refresh(self) -> list[outbox.ActiveWebhook]:
        """The webhooks that may be sent to now, with their current secrets."""
        assert self._connection is not None
        with self._connection.begin():
            active = self._queue.active_webhooks(self._connection)
        # Webhooks without a usable secret are left out: their deliveries wait, unclaimed.
        self._keys = self._secrets.read(active)
        self._signing = self._keys.secrets
        self._active = [webhook for webhook in active if webhook.id in self._signing]
        return self._active

    def _claim_and_submit(self) -> int:
        active = self._refresh()
        if self._paused.is_set() or not active:
            return 0
        capacity = self.config.max_claimed - len(self._in_flight)
        # Claim in batches: wait until an eighth of the room is free, unless all is.
        if capacity <= 0 or (self._in_flight and capacity < self.config.max_claimed // 8):
            return 0
        assert self._connection is not None
        now = self.clock()
        jobs: list[_Job] = []
        self._turn = (self._turn + 1) % len(active)
        lease_until = now + self.config.lease
        with self._connection.begin():
            for webhook in active[self._turn :] + active[: self._turn]:
                pace = self._pace(webhook.id)
                held = self._per_webhook.get(webhook.id, 0)
                room = min(capacity, pace.lookahead - held)
                if room <= 0 or (held and room < pace.lookahead // 4):
                    continue
                claimed = self._queue.claim(
                    self._connection,
                    webhook.id,
                    now=now,
                    lease_until=lease_until,
                    owner=self.owner,
                    limit=room,
                )
                # A delivery still held here whose lease ran out is not sent twice.
                fresh = [c for c in claimed if c.delivery_id not in self._in_flight]
                capacity -= len(fresh)
                jobs += [_Job(c, webhook.url) for c in fresh]
                if capacity <= 0:
                    break
        for job in jobs:
            self._in_flight[job.claimed.delivery_id] = job
            webhook_id = job.claimed.webhook_id
            self._per_webhook[webhook_id] = self._per_webhook.get(webhook_id, 0) + 1
        self._lanes.put(jobs)
        self._add_senders()
        return len(jobs)

    def prune(self, *, force: bool = False) -> bool:
        """Remove one batch of deliveries delivered longer ago than ``keep``, when due (or
        ``force``); True when a full batch went and more may be left."""
        keep = self.keep
        if keep is None or not (force or time.monotonic() >= self._prune_at):
            return False
        self._start()
        assert self._connection is not None
        batch = self.config.prune_batch
        now = self.clock()
        with self._connection.begin():
            removed = prune_delivered(self._connection, before=now - keep, limit=batch)
            if removed < batch:  # the old deliveries are gone: the old activity counts go too
                prune_activity(self._connection, before=now - ACTIVITY_KEPT)
        self.pruned += removed
        if removed:
            log.info("pruned %d delivered deliveries older than %s", removed, _age(keep))
        more = removed >= batch
        self._prune_at = time.monotonic() + (0.0 if more else self.config.prune_every)
        return more

    def _forget(self, job: _Job) -> None:
        self._in_flight.pop(job.claimed.delivery_id, None)
        webhook_id = job.claimed.webhook_id
        self._per_webhook[webhook_id] = self._per_webhook.get(webhook_id, 1) - 1

    def _settle(self, done: Sequence[_Done]) -> None:
        """Judge finished attempts into the backlog; free their senders' room."""
        if not done:
            return
        backlog = self._backlog
        now = self.clock()
        answered: dict[int, list[float]] = {}
        for item in done:
            self._forget(item.job)
            if not item.sent:
                backlog.unsent.append(item.job.claimed.delivery_id)  # released, not an attempt
                continue
            record, report, failure = self._judge(item, now)
            backlog.records.append(record)
            backlog.reports.append(report)
            if failure is not None:
                backlog.failures.append(failure)
            latencies = answered.setdefault(item.job.webhook_id, [])
            if item.result.ok:
                latencies.append(item.result.duration_ms / 1000)
        finished = Counter(item.job.webhook_id for item in done)
        for webhook_id, latencies in answered.items():
            pace = self._pace(webhook_id)
            pace.observe(finished[webhook_id], latencies)
            self._lanes.set_limit(webhook_id, pace.limit)
        if not self._stopping.is_set():
            self._add_senders()

    def _flush(self) -> list[AttemptRecorded]:
        """Write the backlog in one transaction, then report it; kept whole if that fails."""
        backlog = self._backlog
        if not backlog:
            return []
        assert self._connection is not None
        with self._connection.begin():
            self._queue.record(self._connection, backlog.records)
            self._queue.release(self._connection, backlog.unsent, owner=self.owner, at=self.clock())
        self._backlog = _Backlog()
        self.sent += len(backlog.records)
        if self.on_attempt is not None:
            for report in backlog.reports:
                self.on_attempt(report)
        if self.on_failed is not None:
            for failure in backlog.failures:
                self.on_failed(failure)
        return backlog.reports

    def _judge(
        self, item: _Done, now: float
    ) -> tuple[outbox.AttemptRecord, AttemptRecorded, DeliveryFailed | None]:
        """The attempt's judgement (see ``judge``) as a row to store and reports to send."""
        claimed, result = item.job.claimed, item.result
        judgement = judge(result, attempt=claimed.attempt, now=now, policy=self.policy)
        record = outbox.AttemptRecord(
            delivery_id=claimed.delivery_id,
            attempt=claimed.attempt,
            started_at=item.started_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=judgement.error,
            excerpt=result.response_excerpt,
            status=judgement.status,
            next_attempt_at=judgement.next_attempt_at,
            finished_at=judgement.finished_at,
            request_headers=result.request_headers,
            response_headers=result.response_headers,
            response_headers_cut=(
                None if result.response_headers is None else result.response_headers_cut
            ),
        )
        report = AttemptRecorded(
            delivery_id=claimed.delivery_id,
            webhook_id=claimed.webhook_id,
            attempt=claimed.attempt,
            status_code=result.status_code,
            error=judgement.error,
            duration_ms=result.duration_ms,
            verdict=judgement.verdict,
        )
        failure = None
        if judgement.reason is not None:
            failure = DeliveryFailed(
                claimed.delivery_id, claimed.webhook_id, item.job.url, judgement.reason
            )
        return record, report, failure

    def status(self) -> EngineStatus:
        """State and queue depth; while the database cannot be read, the last depth read."""
        if self._connection is not None and not self._connection.closed:
            try:
                with self._connection.begin():
                    depth = self._queue.queue_depth(self._connection)
                    hour_ago = self.clock() - 3600.0
                    failed = self._queue.failed_since(self._connection, hour_ago)
                    failing = self._queue.failing_attempts_since(self._connection, hour_ago)
                self._depth = (depth, failed, failing)
            except (DBAPIError, sqlite3.Error) as exc:
                # Once stopped by a bug, the status says so with the figures last read.
                if self.store.note(exc) is None and self._error is None:
                    raise
        keys = self._keys
        depth, failed, failing = self._depth
        return EngineStatus(
            self.state,
            depth,
            failed,
            reason=self.reason,
            failed_attempts_last_hour=failing,
            no_secret=keys.missing,
            keychain_error=keys.keychain_error,
        )

    def _report_status(self, force: bool = False) -> None:
        if self.on_status is None:
            return
        moment = time.monotonic()
        last = self._last_status
        changed = last is None or (last.state, last.reason) != (self.state, self.reason)
        if not (force or changed) and moment - self._status_at < self.config.status_interval:
            return
        self._status_at = moment
        status = self.status()
        if force or changed or status != self._last_status:
            self._last_status = status
            self.on_status(status)
