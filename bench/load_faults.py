"""Load run under faults (issue 13's "Done means"): nothing lost, nothing applied twice,
no deadlock, no 5xx from our code, no request held up by a job or by a hanging broker.

Run (as root or as any user that may run ``runuser -u postgres``; nothing else needed):

    /work/main/.venv/bin/python bench/load_faults.py [--minutes 8] [--keep]

It builds its own world and never touches the shared servers:

- its OWN PostgreSQL cluster (``initdb`` from /usr/lib/postgresql/*/bin into a temporary
  folder, port 55432, run as user postgres) and its OWN ``redis-server`` (port 56379, no
  persistence: a restart is an empty Redis);
- ``migrate`` + ``seed_demo`` (scale 1: Lüliang, 10,667 tickets), then load users with API
  tokens: 5 station heads (one per township, the staff), 10 liaison officers who sync
  tickets (two per township) and 3 who save receptions;
- the Procfile's processes as real subprocesses on 127.0.0.1: gunicorn (3 sync workers,
  port 58000), one Celery worker (prefork, as the Procfile) and one beat.

Then, for ``--minutes`` (default 8), from threads with ``requests``:

- 10 syncing clients: ``PUT tickets/<new uuid>/`` (upsert by client UUID),
  ``POST tickets/`` with an ``Idempotency-Key``, and ``GET tickets/sync/`` (incremental);
- 5 staff: ``POST tickets/<id>/transitions/`` (accept → assign → refer back → assign …)
  with an ``Idempotency-Key``, on the tickets the clients of their township registered;
- 3 officers: ``PUT receptions/<new uuid>/`` with 1–3 ledger rows (each row a ticket).

Every write is retried on a connection error, a timeout, 5xx, 409 or 429 with the SAME
UUID / key / body until it gets a definitive answer; each acknowledged (2xx) write is
logged. Fault phases in sequence, each with a calm phase after it:

1. ``redis_stopped``: redis-server SIGKILLed, started again (empty) at the phase's end;
2. ``redis_frozen``: redis-server SIGSTOPped (accepts connections, never answers), then
   SIGCONT;
3. ``worker_killed``: the escalation sweep (the seed's running tickets, 152, made overdue;
   the worker's ``ESCALATION_BATCH_SIZE`` 1, so the sweep lasts seconds) and then the
   nightly full rollups refresh are queued as beat would queue them, and the whole
   worker (process group) is SIGKILLed while each runs (seen in
   ``liaison.JobRun``: started, not completed), then started again. Each job's record is
   first set to "last completed one period ago", as in steady state, so the catch-up at
   worker start is what must finish the cut-short run;
4. ``pg_restart``: ``pg_ctl restart -m fast``, twice, 20 s apart.

At the end (clients stopped, their pending retries finished), against the database:

- every acknowledged write present exactly once (lost = 0): tickets by UUID, tickets by
  idempotency key (each created ticket's content carries its key), receptions and their
  rows, and each ticket's staff transitions against the timeline (events per ticket equal
  to the acknowledged steps: a missing one is lost, an extra one a duplicate);
- duplicates = 0: no content marker twice, no (ticket, missed deadline) escalated twice;
- ``pg_stat_database.deadlocks`` delta (and "deadlock detected" in the server's log);
- rollups consistent: the change log consumed, the rollup tables compared row for row
  with a fresh full refresh;
- 5xx by phase, each classified from gunicorn's log (the traceback's exception):
  a database connection error while PostgreSQL restarts is infrastructure, anything else
  is our code's bug; gunicorn worker timeouts counted too;
- latency p50/p95/max per request kind per phase;
- the periodic jobs' completions (``JobRun``, sampled every second): how long after each
  recovery each job completed again.

Prints the tables; the repo keeps no bench result files, so nothing is written (``--keep``
leaves the temporary folder with the logs and the cluster).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
PG_PORT, REDIS_PORT, WEB_PORT = 55432, 56379, 58000
DB_NAME = "liaison_loadrun_bench"
BASE = f"http://127.0.0.1:{WEB_PORT}/api/v1/"
JOB_PERIODS = {"rollups": 60, "escalation": 600, "outbox_prune": 3600}
KINDS = ("ticket_put", "ticket_post", "transition", "reception_put", "sync_get")
WRITE_KINDS = KINDS[:4]

# phase name, share of the run (8 minutes: 60 s, 60 s, 30 s, …)
PHASES = [
    ("calm_start", 60),
    ("redis_stopped", 60),
    ("calm_1", 30),
    ("redis_frozen", 60),
    ("calm_2", 30),
    ("worker_killed", 75),
    ("calm_3", 30),
    ("pg_restart", 60),
    ("calm_end", 75),
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


# --- the servers ------------------------------------------------------------------------


class Postgres:
    def __init__(self, tmp: Path):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            sys.exit("no PostgreSQL server under /usr/lib/postgresql")
        self.bin = Path(bins[-1]).parent
        self.data = tmp / "pgdata"
        self.logfile = tmp / "postgres.log"
        self.sock = tmp / "pgsock"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)  # noqa: S603

    def init(self) -> None:
        for path in (self.data.parent, self.sock):
            path.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        self._run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {PG_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.sock}'\n"
                "max_connections = 200\nshared_buffers = 256MB\nfsync = on\nlog_lock_waits = on\n"
                "deadlock_timeout = 1s\nlog_line_prefix = '%m [%p] '\n"
            )
        self.start()

    def start(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.logfile, "-w", "start")

    def restart(self) -> float:
        started = time.monotonic()
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.logfile, "-w", "-m", "fast", "restart")
        return time.monotonic() - started

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop", check=False)


class Redis:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None
        self.frozen = False

    def start(self) -> None:
        handle = (self.tmp / "redis.log").open("a")
        self.proc = subprocess.Popen(  # noqa: S603
            ["/usr/bin/redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", REDIS_PORT), 0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(10).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            if self.frozen:
                self.proc.send_signal(signal.SIGCONT)
                self.frozen = False
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.frozen = False


class Proc:
    """A Procfile process in its own process group (SIGKILL takes its children too)."""

    def __init__(self, name: str, args: list[str], env: dict, tmp: Path):
        self.name, self.args, self.env, self.logfile = name, args, env, tmp / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, ready: str | None = None, timeout: float = 60) -> None:
        offset = self.logfile.stat().st_size if self.logfile.exists() else 0
        handle = self.logfile.open("a")
        self.proc = subprocess.Popen(  # noqa: S603
            self.args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.starts += 1
        if ready:
            deadline = time.monotonic() + timeout
            while ready not in self.logfile.read_text(errors="replace")[offset:]:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start:\n{self.logfile.read_text()[-3000:]}")
                time.sleep(0.2)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


# --- the record of every request ------------------------------------------------------------


@dataclass
class Attempt:
    kind: str
    phase: str
    started: float  # monotonic
    seconds: float
    status: int  # 0: no HTTP answer (connection error, timeout)
    error: str = ""


@dataclass
class Record:
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # acknowledged writes
    ticket_puts: dict[str, str] = field(default_factory=dict)  # ticket uuid -> marker
    ticket_posts: dict[str, str] = field(default_factory=dict)  # idempotency key -> ticket id
    receptions: dict[str, list[str]] = field(default_factory=dict)  # session uuid -> row ids
    transitions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # ticket -> actions
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # kind, status, body: definitive 4xx
    retried_then_refused: list[tuple[str, int, str]] = field(default_factory=list)
    given_up: list[tuple[str, str]] = field(default_factory=list)  # kind, id: never a definitive answer
    replays: int = 0


class Clock:
    """Which phase it is now (the controller moves it)."""

    def __init__(self):
        self.phase = "setup"
        self.marks: list[tuple[str, float]] = []

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.marks.append((phase, time.monotonic()))


RETRY_STATUSES = {409, 429, 500, 502, 503, 504}


class Client:
    """One user's HTTP: a write is sent until it gets a definitive answer (2xx or a 4xx
    other than 409/429), always with the same key, UUID and body."""

    def __init__(self, token: str, record: Record, clock: Clock, stop: threading.Event):
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})
        self.record, self.clock, self.stop = record, clock, stop

    def send(
        self, kind: str, method: str, path: str, *, body=None, headers=None, params=None, give_up_at=None
    ):
        attempt_no = 0
        while True:
            attempt_no += 1
            phase = self.clock.phase
            t0 = time.monotonic()
            status, error, response = 0, "", None
            try:
                response = self.session.request(
                    method, BASE + path, json=body, headers=headers, params=params, timeout=(5, 40)
                )
                status = response.status_code
            except requests.RequestException as exc:
                error = type(exc).__name__
            elapsed = time.monotonic() - t0
            with self.record.lock:
                self.record.attempts.append(Attempt(kind, phase, t0, elapsed, status, error))
            if status and status not in RETRY_STATUSES:
                if attempt_no > 1 and status >= 400:
                    with self.record.lock:
                        self.record.retried_then_refused.append((kind, status, response.text[:300]))
                if response.headers.get("Idempotent-Replayed") == "true":
                    with self.record.lock:
                        self.record.replays += 1
                return response
            if give_up_at is not None and time.monotonic() > give_up_at:
                return None
            wait = min(0.25 * 2 ** min(attempt_no, 5), 4.0)
            if response is not None and response.headers.get("Retry-After", "").isdigit():
                wait = max(wait, float(response.headers["Retry-After"]))
            time.sleep(wait * random.uniform(0.8, 1.2))  # noqa: S311


# --- setup: the database, the world, the users -----------------------------------------------


def django_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        DJANGO_SETTINGS_MODULE="liaison.settings",
        DEBUG="0",
        SECRET_KEY="load-faults-bench-" + uuid.uuid4().hex,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        MEDIA_ROOT=str(tmp / "media"),
    )
    return env


def build_world() -> dict:
    """Load users over five townships of the seeded city; returns tokens and references."""
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, RoleAssignment, User
    from deputies.models import Deputy
    from stations.models import Region, RegionLevel, Station
    from suggestions.models import Category, Ticket
    from suggestions.selectors import assignable_units

    category = Category.objects.filter(is_active=True).order_by("pk").first().pk
    stations = (
        Station.objects.filter(status=Station.Status.ACTIVE, kind=Station.Kind.STATION)
        .annotate(n=Count("deputies"))
        .filter(n__gte=2)
        .select_related("region")
        .order_by("region__path")
    )
    chosen, seen = [], set()
    for st in stations:
        if st.region_id in seen:
            continue
        if not Region.objects.filter(path__startswith=st.region.path, level=RegionLevel.VILLAGE).exists():
            continue
        seen.add(st.region_id)
        chosen.append(st)
        if len(chosen) == 5:
            break
    assert len(chosen) == 5, "the demo has fewer than five usable townships"

    def user(name: str, role: str, **scope) -> str:
        u = User.objects.create(username=name, full_name=name)
        RoleAssignment.objects.create(user=u, role=role, **scope)
        return Token.objects.create(user=u).key

    world = {"townships": []}
    for i, st in enumerate(chosen):
        village = Region.objects.filter(path__startswith=st.region.path, level=RegionLevel.VILLAGE).first()
        deputies = [
            str(d)
            for d in Deputy.objects.filter(home_station=st).order_by("pk").values_list("pk", flat=True)[:2]
        ]
        unit = assignable_units(ticket=Ticket(station=st)).first()
        world["townships"].append(
            {
                "station": str(st.pk),
                "village": village.pk,
                "category": category,
                "deputies": deputies,
                "unit": str(unit.pk),
                "staff": user(f"load_staff{i}", Role.STATION_HEAD, region=st.region),
                "sync": [user(f"load_sync{i}{j}", Role.LIAISON_OFFICER, station=st) for j in range(2)],
                "officer": user(f"load_officer{i}", Role.LIAISON_OFFICER, station=st) if i < 3 else None,
            }
        )
    return world


# --- the load -------------------------------------------------------------------------------


def ticket_body(town: dict, marker: str) -> dict:
    return {
        "station": town["station"],
        "category": town["category"],
        "content": f"LOAD {marker} 村口路灯不亮，夜间出行不便",
        "citizen_name": "张三",
        "citizen_phone": "13912345678",
        "received_by_deputy": town["deputies"][0],
    }


def sync_client(town: dict, token: str, queue: list, qlock: threading.Lock, ctx) -> None:
    record, clock, stop = ctx["record"], ctx["clock"], ctx["stop"]
    client = Client(token, record, clock, stop)
    cursor = None
    rng = random.Random()
    while not stop.is_set():
        roll = rng.random()
        give_up = ctx["give_up_at"]
        if roll < 0.45:
            tid = str(uuid.uuid4())
            r = client.send(
                "ticket_put", "PUT", f"tickets/{tid}/", body=ticket_body(town, tid), give_up_at=give_up()
            )
            if r is None:
                record.given_up.append(("ticket_put", tid))
            elif r.status_code in (200, 201):
                with record.lock:
                    record.ticket_puts[tid] = tid
                with qlock:
                    queue.append(tid)
            else:
                record.refused.append(("ticket_put", r.status_code, r.text[:300]))
        elif roll < 0.75:
            key = "load-" + uuid.uuid4().hex
            r = client.send(
                "ticket_post", "POST", "tickets/", body=ticket_body(town, key),
                headers={"Idempotency-Key": key}, give_up_at=give_up(),
            )  # fmt: skip
            if r is None:
                record.given_up.append(("ticket_post", key))
            elif r.status_code == 201:
                tid = r.json()["id"]
                with record.lock:
                    record.ticket_posts[key] = tid
                with qlock:
                    queue.append(tid)
            else:
                record.refused.append(("ticket_post", r.status_code, r.text[:300]))
        else:
            r = client.send("sync_get", "GET", "tickets/sync/", params={"limit": 200, **({"cursor": cursor} if cursor else {})}, give_up_at=time.monotonic() + 5)  # fmt: skip
            if r is not None and r.status_code == 200:
                body = r.json()
                cursor = body.get("next_cursor") or cursor
        stop.wait(rng.uniform(1.0, 2.5))


STEPS = ("accept", "assign", "refer_back", "assign")


def staff_client(town: dict, queue: list, qlock: threading.Lock, ctx) -> None:
    record, clock, stop = ctx["record"], ctx["clock"], ctx["stop"]
    client = Client(town["staff"], record, clock, stop)
    progress: dict[str, int] = {}
    rng = random.Random()
    while not stop.is_set():
        with qlock:
            tid = queue.pop(0) if queue else None
        if tid is None:
            stop.wait(0.5)
            continue
        step = progress.get(tid, 0)
        action = STEPS[step]
        body = {"action": action}
        if action == "accept":
            body["tier"] = "township"
        elif action == "assign":
            body["handling_unit"] = town["unit"]
        elif action == "refer_back":
            body["comment"] = "请重新交办"
        key = f"load-{tid}-{step}"
        r = client.send(
            "transition", "POST", f"tickets/{tid}/transitions/", body=body,
            headers={"Idempotency-Key": key}, give_up_at=ctx["give_up_at"](),
        )  # fmt: skip
        if r is None:
            record.given_up.append(("transition", key))
        elif r.status_code == 200:
            with record.lock:
                record.transitions[tid].append(action)
            progress[tid] = step + 1
            if step + 1 < len(STEPS):
                with qlock:
                    queue.append(tid)
        else:
            record.refused.append(("transition", r.status_code, r.text[:300]))
        stop.wait(rng.uniform(0.5, 2.0))


def officer_client(town: dict, queue: list, qlock: threading.Lock, ctx) -> None:
    record, clock, stop = ctx["record"], ctx["clock"], ctx["stop"]
    client = Client(town["officer"], record, clock, stop)
    rng = random.Random()
    while not stop.is_set():
        sid = str(uuid.uuid4())
        rows = []
        for n in range(rng.randint(1, 3)):
            rid = str(uuid.uuid4())
            rows.append(
                {
                    "id": rid,
                    "citizen_name": f"李{n}",
                    "citizen_phone": "13912345678",
                    "village": town["village"],
                    "category": town["category"],
                    "content": f"LOAD {rid} 自来水水压不足",
                    "received_by_deputy": town["deputies"][n % len(town["deputies"])],
                }
            )
        now = time.time()
        body = {
            "station": town["station"],
            "kind": "door_to_door",
            "theme": "入户走访",
            "starts_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3600)),
            "ends_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 600)),
            "citizens_received": len(rows),
            "notes": f"LOAD {sid}",
            "deputies": town["deputies"],
            "rows": rows,
        }
        r = client.send(
            "reception_put", "PUT", f"receptions/{sid}/", body=body, give_up_at=ctx["give_up_at"]()
        )
        if r is None:
            record.given_up.append(("reception_put", sid))
        elif r.status_code in (200, 201):
            with record.lock:
                record.receptions[sid] = [row["id"] for row in rows]
            with qlock:
                queue.extend(row["id"] for row in rows)
        else:
            record.refused.append(("reception_put", r.status_code, r.text[:300]))
        stop.wait(rng.uniform(2.0, 4.0))


# --- watching the database during the run ----------------------------------------------------


class JobWatch(threading.Thread):
    """Samples ``liaison_jobrun`` every second: each job's completion times (as recorded)."""

    def __init__(self, dsn: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.dsn, self.stop = dsn, stop
        self.completions: dict[str, list] = defaultdict(list)
        self.last: dict[str, object] = {}
        self.running: dict[str, bool] = {}
        self.conn = None

    def sample(self) -> None:
        import psycopg

        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=2)
        rows = self.conn.execute(
            "SELECT name, last_started_at, last_completed_at FROM liaison_jobrun"
        ).fetchall()
        for name, started, completed in rows:
            if completed is not None and self.last.get(name) != completed:
                self.completions[name].append(completed)
                self.last[name] = completed
            self.running[name] = started is not None and (completed is None or started > completed)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - PostgreSQL restarting: sample again
                self.conn = None
            self.stop.wait(1.0)


# --- the controller -----------------------------------------------------------------------------


def pg(dsn: str, sql: str, args=None):
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql, args or [])
        return cur.fetchall() if cur.description else []


def job_running(dsn: str, job: str) -> bool:
    rows = pg(
        dsn,
        "SELECT last_started_at IS NOT NULL AND (last_completed_at IS NULL OR last_started_at > last_completed_at)"
        " FROM liaison_jobrun WHERE name = %s",
        [job],
    )
    return bool(rows and rows[0][0])


def wait_running(dsn: str, job: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job_running(dsn, job):
            return True
        time.sleep(0.05)
    return False


def queue_job(env: dict, job: str) -> None:
    """Send ``liaison.run_job`` as beat would (a short-lived process: a Celery producer)."""
    code = (
        "import django; django.setup(); from liaison.celery import app;"
        f"app.send_task('liaison.run_job', args=['{job}'])"
    )
    subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603


def worker_phase(ctx, seconds: float) -> dict:
    """Cut the escalation sweep and the full refresh short with SIGKILL; restart the worker."""
    dsn, env, worker, watch = ctx["dsn"], ctx["env"], ctx["worker"], ctx["watch"]
    end = time.monotonic() + seconds
    out = {}
    # the day's deadlines passed for the seed's running tickets (not the load's)
    made = pg(
        dsn,
        "WITH u AS (UPDATE suggestions_ticket SET due_on = current_date - 1"
        " WHERE status IN ('accepted','assigned') AND escalation_level < 2 AND content NOT LIKE 'LOAD %%'"
        " RETURNING 1) SELECT count(*) FROM u",
    )[0][0]
    out["overdue_made"] = made
    for job, period_ago in (
        ("escalation", "interval '601 seconds'"),
        ("rollups_full", "interval '1 day 1 hour'"),
    ):
        pg(dsn, f"UPDATE liaison_jobrun SET last_completed_at = now() - {period_ago} WHERE name = %s", [job])  # noqa: S608
        pg(
            dsn,
            f"INSERT INTO liaison_jobrun (name, created_at, last_completed_at, last_error) VALUES (%s, now(), now() - {period_ago}, '')"  # noqa: S608
            " ON CONFLICT (name) DO NOTHING",
            [job],
        )
        watch.sample()
        before = pg(dsn, "SELECT count(*) FROM suggestions_timelineevent WHERE action = 'escalate'")[0][0]
        queue_job(env, job)
        if not wait_running(dsn, job):
            out[job] = "never started"
            continue
        time.sleep(0.4 if job == "escalation" else 0.8)
        killed_at = time.monotonic()
        worker.kill()
        mid = job_running(dsn, job)
        escalated = (
            pg(dsn, "SELECT count(*) FROM suggestions_timelineevent WHERE action = 'escalate'")[0][0] - before
        )
        left = pg(
            dsn,
            "SELECT count(*) FROM suggestions_ticket WHERE status IN ('accepted','assigned')"
            " AND due_on < current_date AND escalation_level < 2",
        )[0][0]
        log(
            f"  worker SIGKILLed during {job} (still marked running: {mid}; escalated so far {escalated}, overdue left {left})"
        )
        time.sleep(5)
        worker.start(ready=" ready.")
        restarted = time.monotonic()
        done_at = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not job_running(dsn, job):
                done_at = time.monotonic()
                break
            time.sleep(0.2)
        out[job] = {
            "killed_mid_run": bool(mid),
            "escalated_before_kill": escalated,
            "overdue_left_at_kill": left,
            "completed_after_restart_s": None if done_at is None else round(done_at - restarted, 1),
            "kill_to_completed_s": None if done_at is None else round(done_at - killed_at, 1),
        }
    left = pg(
        dsn,
        "SELECT count(*) FROM suggestions_ticket WHERE status IN ('accepted','assigned')"
        " AND due_on < current_date AND escalation_level < 2",
    )[0][0]
    out["overdue_left_after"] = left
    time.sleep(max(0.0, end - time.monotonic()))
    return out


def run(minutes: float, keep: bool) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="load_faults_"))
    log(f"working folder {tmp}")
    postgres, redis = Postgres(tmp), Redis(tmp)
    procs: list[Proc] = []
    try:
        return _run(minutes, tmp, postgres, redis, procs)
    finally:
        for p in procs:
            p.stop()
        redis.kill()
        postgres.stop()
        if keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(minutes: float, tmp: Path, postgres: Postgres, redis: Redis, procs: list[Proc]) -> int:  # noqa: C901, PLR0915
    postgres.init()
    pg(f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres", f'CREATE DATABASE "{DB_NAME}"')
    redis.start()
    env = django_env(tmp)
    dsn = env["DATABASE_URL"]
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "REDIS_URL",
                "DJANGO_SETTINGS_MODULE",
                "DEBUG",
                "SECRET_KEY",
                "MEDIA_ROOT",
            )
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    t = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-progress", verbosity=0)
    world = build_world()
    connections.close_all()
    log(f"database migrated and seeded in {time.monotonic() - t:.0f} s")

    web = Proc(
        "web",
        [str(BIN / "gunicorn"), "liaison.wsgi:application", "--bind", f"127.0.0.1:{WEB_PORT}",
         "--workers", "3", "--access-logfile", "-",
         "--access-logformat", '%(h)s %(t)s "%(r)s" %(s)s %(M)sms'],
        env, tmp,
    )  # fmt: skip
    worker = Proc("worker", [str(BIN / "celery"), "-A", "liaison", "worker", "-l", "info"],
                  {**env, "ESCALATION_BATCH_SIZE": "1"}, tmp)  # fmt: skip
    beat = Proc("beat", [str(BIN / "celery"), "-A", "liaison", "beat", "-l", "info", "-s", str(tmp / "celerybeat-schedule")], env, tmp)  # fmt: skip
    procs.extend([web, worker, beat])
    web.start(ready="Booting worker")
    worker.start(ready=" ready.")
    beat.start(ready="beat: Starting")
    for _ in range(100):
        try:
            requests.get(BASE, timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.2)

    deadlocks0 = pg(dsn, "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [DB_NAME])[0][0]
    record, clock, stop = Record(), Clock(), threading.Event()
    watch_stop = threading.Event()
    watch = JobWatch(dsn, watch_stop)
    watch.start()
    load_end = {"at": None}

    def give_up_at():  # pending retries get 90 s after the load ends
        return None if load_end["at"] is None else load_end["at"] + 90

    ctx = {"record": record, "clock": clock, "stop": stop, "give_up_at": give_up_at,
           "dsn": dsn, "env": env, "worker": worker, "watch": watch}  # fmt: skip
    threads = []
    for town in world["townships"]:
        queue, qlock = [], threading.Lock()
        for token in town["sync"]:
            threads.append(threading.Thread(target=sync_client, args=(town, token, queue, qlock, ctx)))
        threads.append(threading.Thread(target=staff_client, args=(town, queue, qlock, ctx)))
        if town["officer"]:
            threads.append(threading.Thread(target=officer_client, args=(town, queue, qlock, ctx)))
    log(f"load: {len(threads)} client threads, {minutes:g} minutes")
    scale = minutes * 60 / sum(s for _, s in PHASES)
    web_log_marks: list[tuple[str, int]] = []
    loads: list[tuple[str, float]] = []
    faults: dict[str, object] = {}
    recoveries: dict[str, float] = {}
    clock.enter(PHASES[0][0])
    for th in threads:
        th.start()
    for name, share in PHASES:
        seconds = share * scale
        if clock.phase != name:
            clock.enter(name)
        loads.append((name, os.getloadavg()[0]))
        web_log_marks.append((name, web.logfile.stat().st_size))
        log(f"phase {name} ({seconds:.0f} s)")
        t0 = time.monotonic()
        if name == "redis_stopped":
            redis.kill()
            time.sleep(seconds)
            redis.start()
            recoveries[name] = datetime.now(UTC)
        elif name == "redis_frozen":
            redis.freeze()
            time.sleep(seconds)
            redis.thaw()
            recoveries[name] = datetime.now(UTC)
        elif name == "worker_killed":
            faults[name] = worker_phase(ctx, seconds)
            recoveries[name] = datetime.now(UTC)
        elif name == "pg_restart":
            downs = [postgres.restart()]
            time.sleep(max(0.0, min(20 * scale, seconds / 2) - (time.monotonic() - t0)))
            downs.append(postgres.restart())
            faults[name] = {"restarts": len(downs), "restart_seconds": [round(d, 2) for d in downs]}
            time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
            recoveries[name] = datetime.now(UTC)
        else:
            time.sleep(seconds)
    load_end["at"] = time.monotonic()
    clock.enter("drain")
    stop.set()
    log("load over; waiting for the clients' pending retries")
    for th in threads:
        th.join(150)
    web_log_marks.append(("drain", web.logfile.stat().st_size))
    for _ in range(60):  # the worker drains what the last requests queued
        if not pg(
            dsn, "SELECT 1 FROM liaison_outboxmessage WHERE done_at IS NULL AND failed_at IS NULL LIMIT 1"
        ):
            break
        time.sleep(1)
    beat.stop()
    worker.stop()
    web.stop()
    watch_stop.set()
    watch.join(5)
    end_of_log = web.logfile.stat().st_size

    # --- the checks --------------------------------------------------------------------------
    connections.close_all()
    results = check(dsn, record, deadlocks0, postgres)
    five_xx = classify_5xx(web.logfile, web_log_marks, end_of_log)
    report(record, clock, results, five_xx, faults, watch, recoveries, minutes)
    print("Load average (1 min) at each phase's start:", ", ".join(f"{n} {v:.1f}" for n, v in loads))
    bad = (
        results["lost"] + results["duplicates"] + results["deadlocks"]
        + sum(n for (_, cause), n in five_xx["by_phase_cause"].items() if cause == "code")
        + (0 if results["rollups_consistent"] else 1)
    )  # fmt: skip
    return 1 if bad else 0


# --- the checks -----------------------------------------------------------------------------------


def check(dsn: str, record: Record, deadlocks0: int, postgres: Postgres) -> dict:
    from django.db import connection

    from reports.models import OverdueNow, RollupDirty, StationActivity, StationTickets
    from reports.services import rollups_refresh
    from suggestions.models import Ticket, TimelineEvent
    from visits.models import ReceptionSession

    out: dict = {}
    lost: list[str] = []
    # tickets by UUID (PUT) and by key (POST)
    put_ids = list(record.ticket_puts)
    present = set(str(i) for i in Ticket.objects.filter(pk__in=put_ids).values_list("pk", flat=True))
    lost += [f"ticket PUT {i}" for i in put_ids if i not in present]
    post_ids = list(record.ticket_posts.values())
    present = set(str(i) for i in Ticket.objects.filter(pk__in=post_ids).values_list("pk", flat=True))
    lost += [f"ticket POST {k}" for k, i in record.ticket_posts.items() if i not in present]
    # receptions and their rows
    sids = list(record.receptions)
    present = set(str(i) for i in ReceptionSession.objects.filter(pk__in=sids).values_list("pk", flat=True))
    lost += [f"reception {i}" for i in sids if i not in present]
    row_ids = [r for rows in record.receptions.values() for r in rows]
    present = set(str(i) for i in Ticket.objects.filter(pk__in=row_ids).values_list("pk", flat=True))
    lost += [f"ledger row {i}" for i in row_ids if i not in present]
    # transitions: the timeline of each ticket against the acknowledged steps
    duplicates: list[str] = []
    events = defaultdict(Counter)
    for tid, action in TimelineEvent.objects.filter(
        ticket_id__in=list(record.transitions), action__in=set(STEPS)
    ).values_list("ticket_id", "action"):
        events[str(tid)][action] += 1
    for tid, actions in record.transitions.items():
        want, got = Counter(actions), events[tid]
        for action in set(want) | set(got):
            if got[action] < want[action]:
                lost.append(f"transition {tid} {action} ({got[action]} of {want[action]})")
            elif got[action] > want[action]:
                duplicates.append(
                    f"transition {tid} {action} ({got[action]} for {want[action]} acknowledged)"
                )
    # one ticket per content marker (UUID / key / row id), one reception per marker
    with connection.cursor() as cur:
        cur.execute(
            "SELECT split_part(content, ' ', 2) AS m, count(*) FROM suggestions_ticket"
            " WHERE content LIKE 'LOAD %%' GROUP BY m HAVING count(*) > 1"
        )
        duplicates += [f"ticket marker {m} ×{n}" for m, n in cur.fetchall()]
        cur.execute(
            "SELECT notes, count(*) FROM visits_receptionsession WHERE notes LIKE 'LOAD %%' GROUP BY notes HAVING count(*) > 1"
        )
        duplicates += [f"reception {m} ×{n}" for m, n in cur.fetchall()]
        cur.execute(
            "SELECT ticket_id, missed_deadline, count(*) FROM suggestions_timelineevent WHERE action = 'escalate'"
            " GROUP BY 1, 2 HAVING count(*) > 1"
        )
        duplicates += [f"escalation {t} {d} ×{n}" for t, d, n in cur.fetchall()]
        cur.execute("SELECT count(*) FROM liaison_outboxmessage WHERE done_at IS NULL")
        out["outbox_pending"] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM suggestions_ticket WHERE content LIKE 'LOAD %%'")
        out["load_tickets_in_db"] = cur.fetchone()[0]
        cur.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        out["deadlocks"] = cur.fetchone()[0] - deadlocks0
    # unacknowledged writes that were applied anyway (the client gave up): not lost, but told
    given_up_present = 0
    for kind, ident in record.given_up:
        if kind in ("ticket_put", "ticket_post"):
            given_up_present += Ticket.objects.filter(content__startswith=f"LOAD {ident} ").count()
    out["given_up_but_applied"] = given_up_present
    out["deadlock_log_lines"] = sum(
        "deadlock detected" in line for line in postgres.logfile.read_text(errors="replace").splitlines()
    )
    out["lost"], out["duplicates"] = len(lost), len(duplicates)
    out["lost_list"], out["duplicate_list"] = lost[:20], duplicates[:20]
    out["acknowledged"] = {
        "ticket_put": len(record.ticket_puts),
        "ticket_post": len(record.ticket_posts),
        "reception_put": len(record.receptions),
        "ledger_rows": len(row_ids),
        "transition": sum(len(a) for a in record.transitions.values()),
    }
    # rollups: consume the change log, then compare with a fresh full refresh
    t = time.monotonic()
    for _ in range(20):
        rollups_refresh()
        if not RollupDirty.objects.exists():
            break
    out["dirty_left"] = RollupDirty.objects.count()
    models = [StationActivity, StationTickets, OverdueNow]

    def snapshot():
        snap = {}
        for model in models:
            names = [
                f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "refreshed_at")
            ]
            snap[model.__name__] = Counter(model.objects.values_list(*names))
        return snap

    before = snapshot()
    rollups_refresh(full=True)
    after = snapshot()
    diffs = {}
    for name in before:
        extra, missing = before[name] - after[name], after[name] - before[name]
        if extra or missing:
            diffs[name] = {"stale_rows": sum(extra.values()), "missing_rows": sum(missing.values()),
                           "example": str(next(iter(extra or missing)))[:300]}  # fmt: skip
    out["rollups_rows"] = {name: sum(c.values()) for name, c in after.items()}
    out["rollups_diffs"] = diffs
    out["rollups_consistent"] = not diffs
    out["rollups_check_seconds"] = round(time.monotonic() - t, 1)
    return out


TRACEBACK_END = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Timeout|Interrupt)[\w]*)(?::\s*(.*))?$")
INFRA_MESSAGES = (
    "connection refused",
    "server closed the connection",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is not yet accepting connections",
    "consuming input failed",
    "connection already closed",
    "the connection is closed",
    "connection failed",
    "ssl syscall error",
    "connection is lost",
)


def classify_5xx(logfile: Path, marks: list[tuple[str, int]], end: int) -> dict:
    """Split gunicorn's log by phase (byte offsets) and classify each Django error report by
    the exception its traceback ends with."""
    data = logfile.read_bytes()
    by_phase_cause: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    timeouts: Counter = Counter()
    access_5xx: Counter = Counter()
    served: dict[str, list[int]] = {}
    bounds = [*marks, ("end", end)]
    for (phase, start), (_, stop) in zip(bounds, bounds[1:], strict=False):
        text = data[start:stop].decode(errors="replace")
        lines = text.splitlines()
        timeouts[phase] += sum("WORKER TIMEOUT" in line for line in lines)
        access_5xx[phase] += sum(bool(re.search(r'" 5\d\d ', line)) for line in lines)
        served[phase] = [int(m.group(1)) for m in re.finditer(r'" \d{3} (\d+)ms$', text, re.MULTILINE)]
        i = 0
        while i < len(lines):
            if lines[i].startswith(("Internal Server Error:", "Service Unavailable:")):
                head, j, last = lines[i], i + 1, ""
                while j < len(lines) and not lines[j].startswith(
                    ("Internal Server Error:", "Service Unavailable:", "127.0.0.1 ", "[")
                ):
                    if TRACEBACK_END.match(lines[j]):
                        last = lines[j]
                    j += 1
                infra = any(m in last.lower() for m in INFRA_MESSAGES) and (
                    "OperationalError" in last or "InterfaceError" in last
                )
                cause = (
                    "infrastructure (PostgreSQL down)"
                    if infra and phase == "pg_restart"
                    else ("infrastructure?" if infra else "code")
                )
                by_phase_cause[(phase, cause)] += 1
                if len(examples[cause]) < 5:
                    examples[cause].append(f"{phase}: {head} → {last[:200]}")
                i = j
            else:
                i += 1
    return {
        "by_phase_cause": by_phase_cause,
        "examples": dict(examples),
        "timeouts": timeouts,
        "access_5xx": access_5xx,
        "served": served,
    }


# --- the report -----------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def report(record, clock, results, five_xx, faults, watch, recoveries, minutes) -> None:  # noqa: C901
    phases = [name for name, _ in PHASES] + ["drain"]
    print("\n=== Load run under faults:", f"{minutes:g} minutes, {len(record.attempts):,} requests ===\n")
    print("Per phase (all request kinds; an attempt is one HTTP request, retries included):")
    head = f"{'phase':<14}{'requests':>9}{'2xx':>7}{'4xx':>6}{'5xx infra':>10}{'5xx code':>9}{'no answer':>10}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
    print(head)
    print("-" * len(head))
    by_phase = defaultdict(list)
    for a in record.attempts:
        by_phase[a.phase].append(a)
    causes = five_xx["by_phase_cause"]
    for phase in phases:
        rows = by_phase.get(phase, [])
        if not rows:
            continue
        lat = [a.seconds * 1000 for a in rows]
        n2 = sum(200 <= a.status < 300 for a in rows)
        n4 = sum(400 <= a.status < 500 for a in rows)
        n5 = sum(a.status >= 500 for a in rows)
        code = sum(n for (ph, cause), n in causes.items() if ph == phase and cause == "code")
        infra = n5 - code
        n0 = sum(a.status == 0 for a in rows)
        print(
            f"{phase:<14}{len(rows):>9}{n2:>7}{n4:>6}{infra:>10}{code:>9}{n0:>10}{pct(lat, 50):>8.0f}{pct(lat, 95):>8.0f}{max(lat):>8.0f}"
        )
    print("\nLatency by kind and phase, ms (p50 / p95 / max; answered requests):")
    print(f"{'phase':<14}" + "".join(f"{k:>22}" for k in KINDS))
    for phase in phases:
        rows = by_phase.get(phase, [])
        if not rows:
            continue
        cells = []
        for kind in KINDS:
            lat = [a.seconds * 1000 for a in rows if a.kind == kind and a.status]
            cells.append(
                f"{pct(lat, 50):.0f} / {pct(lat, 95):.0f} / {max(lat) if lat else float('nan'):.0f}"
                if lat
                else "-"
            )
        print(f"{phase:<14}" + "".join(f"{c:>22}" for c in cells))
    statuses = Counter((a.kind, a.status) for a in record.attempts)
    print("\nStatus codes by kind:", ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(statuses.items())))
    errors = Counter((a.phase, a.error) for a in record.attempts if a.error)
    if errors:
        print("No answer (client side):", ", ".join(f"{p} {e}: {n}" for (p, e), n in sorted(errors.items())))
    print("\nTime gunicorn spent on each request (its access log), ms: p50 / p95 / max by phase")
    for phase, ms in five_xx["served"].items():
        if ms:
            print(f"  {phase:<14}{pct(ms, 50):>6} / {pct(ms, 95):>6} / {max(ms):>6}   ({len(ms)} requests)")
    print("5xx in gunicorn's log by phase and cause:", dict(causes) or "none")
    for cause, ex in five_xx["examples"].items():
        for line in ex:
            print(f"  [{cause}] {line}")
    if sum(five_xx["timeouts"].values()):
        print("gunicorn worker timeouts:", dict(five_xx["timeouts"]))
    ack = results["acknowledged"]
    print("\nTotals:")
    print(
        f"  acknowledged writes: {sum(ack.values()) - ack['ledger_rows']:,} ({', '.join(f'{k} {v:,}' for k, v in ack.items())})"
    )
    print(f"  replays (Idempotent-Replayed: true): {record.replays}")
    print(
        f"  lost: {results['lost']}   duplicates: {results['duplicates']}   deadlocks: {results['deadlocks']} (server log: {results['deadlock_log_lines']})"
    )
    for line in results["lost_list"] + results["duplicate_list"]:
        print("   ", line)
    print(
        f"  definitive 4xx: {len(record.refused)}; 4xx after a retry: {len(record.retried_then_refused)}; given up: {len(record.given_up)} (applied anyway: {results['given_up_but_applied']})"
    )
    for kind, status, body in record.refused[:5]:
        print(f"    refused: {kind} {status} {body[:200]}")
    for kind, status, body in record.retried_then_refused[:10]:
        print(f"    after a retry: {kind} {status} {body[:200]}")
    print(
        f"  rollups: change log left {results['dirty_left']}, consistent with a fresh full refresh: {results['rollups_consistent']} {results['rollups_diffs'] or ''}"
    )
    print(f"  rollup rows: {results['rollups_rows']}")
    print("\nFaults:")
    for name, info in faults.items():
        print(f"  {name}: {json.dumps(info, default=str)}")
    print("\nPeriodic jobs (JobRun, sampled every second): completions, and how late each came")
    print("  (late = completed − (previous completion + period); missed ticks are caught up by the")
    print("  half-minute catch-up once the job is 30 s overdue)")
    for job in sorted(watch.completions):
        times = watch.completions[job]
        line = f"  {job:<14}{len(times):>4} completions"
        period = JOB_PERIODS.get(job)
        if period and len(times) > 1:
            late = [(b - a).total_seconds() - period for a, b in zip(times, times[1:], strict=False)]
            worst = max(range(len(late)), key=late.__getitem__)
            line += f", latest {late[worst]:+.0f} s (completed {times[worst + 1]:%H:%M:%S} UTC)"
        for phase, at in recoveries.items():
            after = [x for x in times if x >= at]
            line += (
                f"; after {phase}: {(after[0] - at).total_seconds():.0f} s"
                if after
                else f"; after {phase}: none"
            )
        print(line)
    durations = [(n, b - a) for (n, a), (_, b) in zip(clock.marks, clock.marks[1:], strict=False)]
    print("\nPhase lengths (s):", ", ".join(f"{n} {d:.0f}" for n, d in durations))
    print("Outbox messages not done at the end:", results["outbox_pending"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="length of the load (default 8)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, cluster)")
    args = parser.parse_args()
    sys.exit(run(args.minutes, args.keep))


if __name__ == "__main__":
    main()
