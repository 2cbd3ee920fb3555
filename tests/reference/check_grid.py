#!/usr/bin/python3
"""Run the normscope CLI over the whole config grid and hold every number it
prints (--json --full) to the float64 numpy reference.

    /usr/bin/python3 tests/reference/check_grid.py path/to/normscope [--quick] [-v]

Grid: norm {layernorm, rmsnorm, none} x placement {pre, post} x activation
{gelu, relu, swiglu} x pos {rope/interleaved, rope/half, sinusoidal, learned,
none} x residual {on, off} = 180 cases on a small model.  Each case: run the
CLI with --save, load the checkpoint it wrote, recompute with forward(), and
compare.  --quick runs 12 cases that still cover every value of every axis.
Exit status 1 if any case fails (mismatch, missing key, CLI error).
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

NORMS = ("layernorm", "rmsnorm", "none")
PLACEMENTS = ("pre", "post")
ACTIVATIONS = ("gelu", "relu", "swiglu")
POSITIONS = (("rope", "interleaved"), ("rope", "half"), ("sinusoidal", None),
             ("learned", None), ("none", None))
RESIDUALS = ("on", "off")

TEXTS = (
    "Héllo, wörld! The norm is café-grade: ∑x² ≥ 0 🙂",
    "é",
    "Ünïcödé mixes with ASCII; layer norms differ.",
)

SMALL = {"n_layers": 2, "d_model": 32, "n_heads": 4, "d_ff": 48, "max_tokens": 64}
CLI_TIMEOUT = 120
SHOW_MISMATCHES = 4


def build_case(k, norm, placement, act, pos, residual):
    cfg = dict(SMALL)
    cfg.update(norm=norm, placement=placement, activation=act, pos=pos[0], residual=residual,
               seed=1000 + 7 * k)
    if pos[1]:
        cfg["rope_pairing"] = pos[1]
        # vary rope_theta so the flag is exercised
        cfg["rope_theta"] = 10000.0 if k % 2 == 0 else 500.0
    if k % 2 == 0:
        cfg.update(init="normal", init_std=0.3)
    else:
        cfg.update(init="xavier")
    if k % 3 == 1:
        cfg["norm_eps"] = 1e-3
    text = TEXTS[k % len(TEXTS)]
    return cfg, text


def all_cases():
    out = []
    for k, (norm, placement, act, pos, residual) in enumerate(
            itertools.product(NORMS, PLACEMENTS, ACTIVATIONS, POSITIONS, RESIDUALS)):
        out.append(build_case(k, norm, placement, act, pos, residual))
    return out


def quick_cases():
    out = []
    for k in range(12):
        out.append(build_case(k, NORMS[k % 3], PLACEMENTS[(k // 3) % 2],
                              ACTIVATIONS[(k + k // 3) % 3], POSITIONS[k % 5],
                              RESIDUALS[(k // 6) % 2]))
    return out


def case_name(cfg):
    pos = cfg["pos"] + ("/" + cfg["rope_pairing"] if cfg["pos"] == "rope" else "")
    return "%s %s %s %s res=%s %s seed=%d" % (
        cfg["norm"], cfg["placement"], cfg["activation"], pos, cfg["residual"],
        "std0.3" if cfg["init"] == "normal" else "xavier", cfg["seed"])


def cli_args(cfg):
    args = []
    for k, v in cfg.items():
        args += ["--" + k.replace("_", "-"), repr(v) if isinstance(v, float) else str(v)]
    return args


def expected_config(cfg):
    full = dict(ref.CONFIG_DEFAULTS)
    full.update(cfg)
    return full


def run_case(exe, cfg, text, tmpdir, verbose=False):
    path = os.path.join(tmpdir, "case.safetensors")
    if os.path.exists(path):
        os.unlink(path)
    cmd = [exe] + cli_args(cfg) + ["--text", text, "--save", path, "--json", "--full"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        return ["CLI timed out after %ds" % CLI_TIMEOUT], True
    if verbose:
        print("  $ " + " ".join(cmd[:1] + [a if " " not in a else repr(a) for a in cmd[1:]]))
    if p.returncode != 0:
        return ["CLI exit %d: %s" % (p.returncode,
                                     p.stderr.decode("utf-8", "replace").strip()[:300])], True
    try:
        run = ref.json_loads_keep_duplicates(p.stdout.decode("utf-8"))
    except ValueError as e:
        return ["stdout is not JSON (%s): %r" % (e, p.stdout[:200])], False
    try:
        tensors, meta = ref.load_safetensors(path)
    except (OSError, ValueError, KeyError) as e:
        return ["cannot load --save file: %s" % e], False
    errs = []
    try:
        mcfg = ref.config_from_metadata(meta)
    except (ValueError, TypeError) as e:
        return ["bad __metadata__ %r: %s" % (meta, e)], False
    want = expected_config(cfg)
    for k in ref.CONFIG_DEFAULTS:
        if k not in meta:
            errs.append("safetensors __metadata__: missing %r" % k)
    for k, v in want.items():
        mv = mcfg[k]
        same = abs(mv - v) <= 1e-6 * abs(v) if k in ref.FLOAT_FIELDS else mv == v
        if not same:
            errs.append("safetensors __metadata__.%s: expected %r got %r" % (k, v, mv))
    shapes = ref.expected_tensor_shapes(want)
    for name, shape in shapes.items():
        if name not in tensors:
            errs.append("checkpoint: missing tensor %s %s" % (name, list(shape)))
        elif tuple(tensors[name].shape) != tuple(shape):
            errs.append("checkpoint: %s shape %s expected %s" % (name, list(tensors[name].shape),
                                                                 list(shape)))
    for name in tensors:
        if name not in shapes:
            errs.append("checkpoint: unexpected tensor %s %s" % (name, list(tensors[name].shape)))
    if any(e.startswith("checkpoint: missing") or "shape" in e for e in errs):
        return errs, False
    # init sanity: gamma = 1, beta = 0 (DESIGN.md "Init")
    for name, t in tensors.items():
        if name.endswith("norm.weight") and not (t == 1.0).all():
            errs.append("init: %s is not all ones" % name)
        if name.endswith("norm.bias") and not (t == 0.0).all():
            errs.append("init: %s is not all zeros" % name)
    tokens = list(text.encode("utf-8"))
    for dup in ref.find_duplicate_keys(run):
        errs.append("JSON object repeats a key (parsers keep only the last value): " + dup)
    r = ref.forward(want, tensors, tokens)
    r32 = ref.forward(want, tensors, tokens, dtype=np.float32)
    errs += ref.compare(run, r, full=True, expected_config=want, ref32=r32)
    if run.get("weights") != "init":
        errs.append("weights: expected \"init\" got %r" % (run.get("weights"),))
    return errs, False


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("-")]
    quick = "--quick" in argv
    verbose = "-v" in argv or "--verbose" in argv
    if len(args) != 1:
        print(__doc__)
        return 2
    exe = os.path.abspath(args[0])
    if not os.access(exe, os.X_OK):
        print("grid: %s is not an executable" % exe)
        return 1
    cases = quick_cases() if quick else all_cases()
    tmpdir = tempfile.mkdtemp(prefix="normscope-grid-")
    t0 = time.time()
    failed = 0
    cli_failed = 0
    try:
        for cfg, text in cases:
            try:
                errs, cli_err = run_case(exe, cfg, text, tmpdir, verbose)
            except Exception as e:  # a checker bug must not hide the other cases
                errs, cli_err = ["checker exception %s: %s" % (type(e).__name__, e)], False
            if errs:
                failed += 1
                cli_failed += cli_err
                print("FAIL %s: %d mismatch(es): %s" % (case_name(cfg), len(errs),
                                                        " | ".join(errs[:SHOW_MISMATCHES])))
                if verbose:
                    for e in errs[SHOW_MISMATCHES:]:
                        print("    " + e)
            elif verbose:
                print("ok   %s" % case_name(cfg))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print("grid: %d cases, %d failed (%d CLI errors) in %.1fs" % (len(cases), failed, cli_failed,
                                                                time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
