"""A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp dir, on a free port) for fault tests.

Fault tests stop and kill the database; they must only ever do that to a server they started, never to the
machine's shared one. The cluster runs as the `postgres` user when the tests run as root (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.reliability.cluster import free_port

START_S = 60.0


def pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (initdb, pg_ctl, postgres), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def available() -> bool:
    """True when a private cluster can be made here (binaries, and a non-root user to run them if we are root)."""
    if pg_bin() is None:
        return False
    if os.geteuid() != 0:
        return True
    with contextlib.suppress(KeyError):
        pwd.getpwnam("postgres")
        return shutil.which("runuser") is not None
    return False


class PrivateCluster:
    """One throwaway cluster: trust auth on 127.0.0.1:`port`, its socket and data in `folder`."""

    def __init__(self) -> None:
        binaries = pg_bin()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="tuoyu-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = 120.0) -> subprocess.CompletedProcess[bytes]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        """Start (or restart after `stop`/`kill`) and wait until it accepts connections."""
        # Only the server crashes here, never the machine: fsync can be off, but every commit must reach the OS
        # before it is acknowledged (synchronous_commit stays on), or a crash would undo acknowledged work.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c max_connections=200 "
                   "-c fsync=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", str(int(START_S)), "start", timeout=START_S + 10)

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: `fast` cuts every session, as an operator's restart or a failover does."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        status = subprocess.run([*(["runuser", "-u", self.user, "--"] if self.user else []),
                                 str(self.bin / "pg_ctl"), "-D", str(self.data), "status"], capture_output=True)
        return status.returncode == 0

    def remove(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A started private cluster, stopped and deleted afterwards."""
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextlib.contextmanager
def outage(cluster: PrivateCluster, *, crash: bool = False) -> Iterator[None]:
    """The private cluster down for the duration of the block, then up again.

    A fast stop cuts every session as an operator's restart or a failover does; `crash` is an immediate stop
    (every process quits at once, no checkpoint: the next start recovers from the WAL, as after a server crash).
    """
    cluster.stop("immediate" if crash else "fast")
    try:
        yield
    finally:
        cluster.start()
