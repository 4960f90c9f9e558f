#!/usr/bin/env python3
"""Start-up of a broker: exec to its port accepting a TCP connection, fresh process each run.

bench/startup.py [--runs 5] [--mosquitto] [-- extra args]: starts tern-dist/target/tern/bin/tern -c FILE
(or mosquitto -c FILE) on a free loopback port, polls the port every 2 ms and prints per run the wall time
and the process's CPU (user + system from /proc/PID/stat) at the moment the port accepted; then the medians.
TERN_JAVA_OPTS and TERN_CDS pass through to bin/tern. Every run is bounded (30 s).
"""
import os, socket, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
runs, broker = 5, os.path.join(root, "tern-dist/target/tern/bin/tern")
while args:
    a = args.pop(0)
    if a == "--runs": runs = int(args.pop(0))
    elif a == "--mosquitto": broker = "/usr/sbin/mosquitto"
    elif a == "--broker": broker = args.pop(0)
    else: sys.exit("usage: startup.py [--runs N] [--mosquitto | --broker PATH]")
tick = os.sysconf("SC_CLK_TCK")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

walls, cpus = [], []
for i in range(runs):
    port = free_port()
    d = tempfile.mkdtemp(prefix="tern-startup")
    conf = os.path.join(d, "broker.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    t0 = time.monotonic()
    p = subprocess.Popen([broker, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = cpu = None
    while time.monotonic() - t0 < 30 and p.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                wall = time.monotonic() - t0
                cpu = cpu_s(p.pid)
                break
        except OSError:
            time.sleep(0.002)
    early = p.poll()
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
    os.remove(conf); os.rmdir(d)
    if wall is None:
        code = early
        sys.exit(f"run {i + 1}: the broker " + ("did not listen within 30 s" if code is None
                                               else f"exited with status {code} before listening"))
    walls.append(wall); cpus.append(cpu)
    print(f"run {i + 1}: wall {wall:.3f} s  cpu {cpu:.2f} s")
print(f"median: wall {statistics.median(walls):.3f} s  cpu {statistics.median(cpus):.2f} s  "
      f"(load {os.getloadavg()[0]:.2f}, {os.path.basename(broker)})")
