"""wrk as the benchmark's load generator: Lua scripts for each scenario and one runner.

wrk is a separate C process on persistent (keep-alive) connections, so the load costs the
server's two cores little CPU; `run()` measures that cost (loadgen_cpu_pct) on every run.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import psutil

MARK = "BENCH_JSON "
BOOK_PATH = "/api/appointments"
READ_PATH = "/api/hospitals"

# Shared by every script: per-thread state, status counting and a JSON summary from done().
PRELUDE = r"""
local threads = {}
counter = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  statuses = {}
  math.randomseed(tid * 7919 + SEED)
  if on_init then on_init() end
end
function count(key)
  statuses[key] = (statuses[key] or 0) + 1
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do
      merged[tostring(k)] = (merged[tostring(k)] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d},"answers":{%s}}\n',
    MARK, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
end
"""

# A booking body with a phone no other request of the run uses, and a valid Bangladeshi mobile
# number (phones are parsed): "+88017" + run, thread and counter digits (8 digits).
BOOKING = r"""
local json_headers = {["Content-Type"] = "application/json"}
function booking_request(hospital, day, time)
  counter = counter + 1
  local body = string.format(
    '{"hospital":"%s","date":"%s","appointment_time":"%s","patient_name":"Bench %d",' ..
    '"patient_phone":"+88017%d%d%06d"}', hospital, day, time, counter, RUN % 10, tid % 10,
    counter % 1000000)
  return wrk.format("POST", BOOK_PATH, json_headers, body)
end
"""

COUNT_STATUS = r"""
function response(status, headers, body)
  count(status)
end
"""

SPREAD = r"""
function request()
  -- Walk the slots with a stride so consecutive requests hit different days and times.
  local i = ((counter * 7919 + tid * 104729) % (#DAYS * #TIMES))
  return booking_request(HOSPITAL, DAYS[1 + math.floor(i / #TIMES)], TIMES[1 + i % #TIMES])
end
"""

HOT = r"""
function request()
  return booking_request(HOSPITAL, DAYS[1], TIMES[1])
end
"""

READ = r"""
function request()
  return wrk.format("GET", READ_PATH)
end
"""

DAY_AVAILABILITY = r"""
function request()
  local h = HOSPITALS[math.random(#HOSPITALS)]
  return wrk.format("GET", "/api/hospitals/" .. h .. "/availability?date=" ..
                    DAYS[math.random(#DAYS)])
end
"""

SLOT_AVAILABILITY = r"""
function request()
  local h = HOSPITALS[math.random(#HOSPITALS)]
  return wrk.format("GET", "/api/appointments/availability/" .. h .. "/" ..
                    DAYS[math.random(#DAYS)] .. "/" .. TIMES[math.random(#TIMES)])
end
"""

# The sweep: book capacity-limited slots, cancel some 201s with their token, log every 201
# and every freed seat to a per-thread file. From STOP_AT (epoch seconds) on, connections only
# read, so every booking in flight is answered (and logged) before wrk closes its sockets.
SWEEP = r"""
local cancels = {}
local patch_body = '{"status":"cancelled"}'
function on_init()
  log = io.open(LOG_PREFIX .. "." .. tid, "w")
  log:setvbuf("line")
end
function request()
  if os.time() >= STOP_AT then
    return wrk.format("GET", READ_PATH)
  end
  local c = table.remove(cancels)
  if c then
    return wrk.format("PATCH", BOOK_PATH .. "/" .. c[1],
      {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. c[2]},
      patch_body)
  end
  return booking_request(HOSPITAL, DAYS[1], TIMES[math.random(#TIMES)])
end
function response(status, headers, body)
  if status == 201 then
    count("booked_201")
    local id = body:match('"id":"(%x+)"')
    log:write("B ", id, "\n")
    if math.random() < P_CANCEL then
      table.insert(cancels, {id, body:match('"access_token":"([%w_%-]+)"')})
    end
  elseif status == 409 then
    count("full_409")
  elseif status == 200 and body:find('"seat_freed"', 1, true) then
    local id = body:match('"id":"(%x+)"')
    if body:find('"seat_freed":true', 1, true) then
      count("cancelled_200")
      log:write("C ", id, "\n")
    else
      count("cancel_noop_200")
    end
  elseif status == 200 then
    count("drain_read_200")
  else
    count("other_" .. status)
  end
end
"""


def lua_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    raise TypeError(value)


def script(*parts: str, **params) -> str:
    """A wrk Lua script: constants from `params`, then the shared prelude, then `parts`."""
    consts = {"SEED": 1, "RUN": 1, "MARK": MARK, "BOOK_PATH": BOOK_PATH,
              "READ_PATH": READ_PATH, **params}
    header = "".join(f"{k} = {lua_value(v)}\n" for k, v in consts.items())
    return header + PRELUDE + "".join(parts)


def booking_script(kind: str, **params) -> str:
    body = {"spread": SPREAD, "hot": HOT}[kind]
    return script(BOOKING, COUNT_STATUS, body, **params)


def read_script() -> str:
    return script(COUNT_STATUS, READ)


def sweep_script(**params) -> str:
    return script(BOOKING, SWEEP, **params)


def availability_script(kind: str, **params) -> str:
    body = {"day": DAY_AVAILABILITY, "slot": SLOT_AVAILABILITY}[kind]
    return script(COUNT_STATUS, body, **params)


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    mean_ms: float
    answers: dict
    errors: dict
    loadgen_cpu_pct: float
    server_cpu_pct: float
    other_cpu_pct: float
    extra: dict = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def p99_over_p50(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms else float("inf")

    def summary(self) -> dict:
        return {"rps": round(self.rps, 1), "requests": self.requests,
                "duration_s": round(self.duration_s, 2), "p50_ms": self.p50_ms,
                "p90_ms": self.p90_ms, "p99_ms": self.p99_ms, "p999_ms": self.p999_ms,
                "max_ms": self.max_ms, "mean_ms": self.mean_ms,
                "p99_over_p50": round(self.p99_over_p50, 2), "answers": self.answers,
                "socket_errors": self.errors, "loadgen_cpu_pct": self.loadgen_cpu_pct,
                "server_cpu_pct": self.server_cpu_pct,
                "other_cpu_pct": self.other_cpu_pct, **self.extra}


def socket_errors(result: WrkResult) -> int:
    """Connect/read/write errors and timeouts; wrk's "status" errors are just non-2xx answers."""
    return sum(n for kind, n in result.errors.items() if kind != "status")


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("bench: `wrk` (the HTTP load generator) is not installed.\n"
                 "       Install it with:  sudo apt-get install -y wrk   (Debian/Ubuntu)\n"
                 "       or: brew install wrk (macOS); then run `make bench` again.")
    return path


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


def server_processes(pid: int) -> list[psutil.Process]:
    master = psutil.Process(pid)
    return [master, *master.children(recursive=True)]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run(url: str, lua: str, connections: int, duration_s: float, server_pid: int | None = None,
        threads: int = 1, during=None) -> WrkResult:
    """Run wrk against `url` with `lua`; `during(process)` runs while wrk does."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    procs = server_processes(server_pid) if server_pid else []
    server_cpu0, wall0, reaped0 = cpu_seconds(procs), time.monotonic(), _reaped_cpu()
    busy0, own0 = _busy_cpu(), _own_cpu()
    cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}",
           f"-d{max(1, round(duration_s))}s", "--timeout", "30s", "-s", handle.name, url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if during is not None:
            during(proc)
        stdout, stderr = proc.communicate(timeout=duration_s + 60)
    finally:
        os.unlink(handle.name)
    wall = time.monotonic() - wall0
    server_cpu = cpu_seconds(procs) - server_cpu0
    loadgen = _reaped_cpu() - reaped0  # wrk, reaped by communicate()
    # Whatever else ran on the machine meanwhile (other jobs): a noisy run shows here.
    other = _busy_cpu() - busy0 - server_cpu - loadgen - (_own_cpu() - own0)
    line = next((x for x in stdout.splitlines() if x.startswith(MARK)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{stdout}\n{stderr}")
    data = json.loads(line[len(MARK):])
    ms = {k: round(data[f"{k}_us"] / 1000, 2) for k in ("p50", "p90", "p99", "p999", "max")}
    return WrkResult(
        requests=data["requests"], duration_s=data["duration_us"] / 1e6,
        p50_ms=ms["p50"], p90_ms=ms["p90"], p99_ms=ms["p99"], p999_ms=ms["p999"],
        max_ms=ms["max"], mean_ms=round(data["mean_us"] / 1000, 2),
        answers=data["answers"], errors=data["errors"],
        loadgen_cpu_pct=round(100 * loadgen / wall, 1),
        server_cpu_pct=round(100 * server_cpu / wall, 1),
        other_cpu_pct=round(max(0.0, 100 * other / wall), 1))


def _reaped_cpu() -> float:
    """CPU seconds of this process's reaped children."""
    usage = os.times()
    return usage.children_user + usage.children_system


def _own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def _busy_cpu() -> float:
    """CPU seconds the whole machine spent busy (not idle, not waiting on I/O)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) \
        - getattr(t, "guest_nice", 0.0)
