#!/usr/bin/python3
"""Run the normscope CLI over the whole config grid and hold every number it
prints (--json --full) to the float64 numpy reference.

    /usr/bin/python3 tests/reference/check_grid.py path/to/normscope [--quick] [-v]

Grid: norm {layernorm, rmsnorm, none} x placement {pre, post} x activation
{gelu, relu, swiglu} x pos {rope/interleaved, rope/half, sinusoidal, learned,
none} x residual {on, off} = 180 cases on a small model, no intervention (the
run's "baseline" must be null).  Then INTERVENTIONS: 29 cases with
skip_layer / zero_head / remove_norm / residual_scale, alone and combined
(DESIGN.md "Looking deeper"); for each, the run's "baseline" is also held to
the same CLI run plain on the same weights, loaded from a copy of its
checkpoint whose metadata holds intervention fields (they must be ignored),
and, with a norm, the case runs again from a checkpoint with random γ/β
(--load plus the intervention flags).  Then REFUSALS: bad intervention values (and --grad with an intervention)
must exit non-zero naming the field.

Each case: run the CLI with --save, load the checkpoint it wrote, recompute
with forward(), and compare.  --quick runs 12 grid cases that still cover
every value of every axis, 6 intervention cases and 2 refusals.
Exit status 1 if any case fails (mismatch, missing key, CLI error).
"""

import itertools
import json
import os
import shutil
import struct
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


# (norm, placement, activation, pos, residual, interventions, model overrides).
# SMALL has 2 layers and 4 heads: layer 1 and head 3 are the last ones.
ROPE_I, ROPE_H, SIN, LEARNED, NOPOS = POSITIONS
INTERVENTIONS = (
    # skip_layer: the first and the last layer
    ("layernorm", "pre", "gelu", ROPE_I, "on", {"skip_layer": 0}, {}),
    ("layernorm", "post", "relu", ROPE_H, "on", {"skip_layer": 1}, {}),
    ("rmsnorm", "post", "swiglu", SIN, "off", {"skip_layer": 0}, {}),
    ("none", "pre", "gelu", LEARNED, "on", {"skip_layer": 1}, {}),
    # zero_head: head 0 and the last head
    ("layernorm", "pre", "swiglu", ROPE_I, "on", {"zero_head": "0.0"}, {}),
    ("rmsnorm", "post", "gelu", ROPE_H, "on", {"zero_head": "1.3"}, {}),
    ("none", "post", "relu", NOPOS, "off", {"zero_head": "0.3"}, {}),
    ("layernorm", "post", "gelu", LEARNED, "off", {"zero_head": "1.0"}, {}),
    # remove_norm: final_norm (pre only) and each block norm in both placements
    ("layernorm", "pre", "gelu", ROPE_I, "on", {"remove_norm": "final_norm"}, {}),
    ("rmsnorm", "pre", "relu", SIN, "off", {"remove_norm": "final_norm"}, {}),
    ("layernorm", "pre", "gelu", ROPE_H, "on", {"remove_norm": "0.attn_norm"}, {}),
    ("rmsnorm", "pre", "swiglu", LEARNED, "on", {"remove_norm": "1.ffn_norm"}, {}),
    ("layernorm", "post", "relu", ROPE_I, "on", {"remove_norm": "0.ffn_norm"}, {}),
    ("rmsnorm", "post", "gelu", NOPOS, "off", {"remove_norm": "1.attn_norm"}, {}),
    # residual_scale 0, 0.5, 1.861 ((2N)^(1/4) for N = 6, DeepNet); off: no effect
    ("layernorm", "pre", "gelu", ROPE_I, "on", {"residual_scale": 0.0}, {}),
    ("rmsnorm", "post", "relu", ROPE_H, "on", {"residual_scale": 0.5}, {}),
    ("layernorm", "post", "swiglu", SIN, "on", {"residual_scale": 1.861}, {}),
    ("none", "pre", "gelu", LEARNED, "on", {"residual_scale": 1.861}, {}),
    ("layernorm", "pre", "relu", ROPE_I, "off", {"residual_scale": 0.5}, {}),
    ("rmsnorm", "post", "gelu", NOPOS, "on", {"residual_scale": 0.0}, {}),
    ("none", "post", "swiglu", ROPE_I, "on", {"residual_scale": 0.5}, {}),
    # combined
    ("layernorm", "pre", "gelu", ROPE_H, "on", {"skip_layer": 1, "zero_head": "0.2"}, {}),
    ("rmsnorm", "post", "swiglu", ROPE_I, "on", {"zero_head": "1.3", "residual_scale": 1.861}, {}),
    ("layernorm", "post", "gelu", LEARNED, "on",
     {"remove_norm": "0.attn_norm", "residual_scale": 0.5}, {}),
    ("rmsnorm", "pre", "relu", ROPE_I, "on",
     {"skip_layer": 0, "remove_norm": "final_norm", "residual_scale": 1.861}, {}),
    ("layernorm", "pre", "swiglu", ROPE_H, "on",
     {"skip_layer": 1, "zero_head": "0.1", "remove_norm": "1.ffn_norm", "residual_scale": 0.5}, {}),
    ("rmsnorm", "post", "gelu", SIN, "off",
     {"skip_layer": 0, "zero_head": "1.3", "remove_norm": "0.ffn_norm", "residual_scale": 1.861}, {}),
    ("layernorm", "pre", "gelu", ROPE_I, "on", {"skip_layer": 2, "zero_head": "2.1"},
     {"n_layers": 3, "n_heads": 2}),
    ("none", "pre", "relu", ROPE_H, "on",
     {"skip_layer": 0, "zero_head": "0.3", "residual_scale": 0.0}, {}),
)
QUICK_INTERVENTIONS = (1, 5, 8, 14, 16, 25)

# (model overrides, interventions, extra CLI args, the field the message must name)
REFUSALS = (
    ({}, {"skip_layer": 2}, [], "skip_layer"),
    ({}, {"zero_head": "0.4"}, [], "zero_head"),
    ({}, {"zero_head": "2.0"}, [], "zero_head"),
    ({"placement": "post"}, {"remove_norm": "final_norm"}, [], "remove_norm"),
    ({"norm": "none"}, {"remove_norm": "final_norm"}, [], "remove_norm"),
    ({}, {"remove_norm": "0.out_norm"}, [], "remove_norm"),
    ({}, {"residual_scale": 100.5}, [], "residual_scale"),
    ({}, {"residual_scale": -1.0}, [], "residual_scale"),
    ({}, {"skip_layer": 1}, ["--grad"], "skip_layer"),
)
QUICK_REFUSALS = (3, 8)


def intervention_cases(quick=False):
    out = []
    for j, (norm, placement, act, pos, residual, iv, extra) in enumerate(INTERVENTIONS):
        if quick and j not in QUICK_INTERVENTIONS:
            continue
        cfg, _ = build_case(180 + j, norm, placement, act, pos, residual)
        # mostly the long texts (lens, outliers and branches over many tokens)
        text = TEXTS[1] if j % 5 == 4 else TEXTS[0] if j % 2 == 0 else TEXTS[2]
        cfg.update(extra)
        cfg.update(iv)
        out.append((cfg, text))
    return out


def case_name(cfg):
    pos = cfg["pos"] + ("/" + cfg["rope_pairing"] if cfg["pos"] == "rope" else "")
    iv = " ".join("%s=%s" % (k, cfg[k]) for k in ref.INTERVENTION_FIELDS if k in cfg)
    return "%s %s %s %s res=%s %s seed=%d%s" % (
        cfg["norm"], cfg["placement"], cfg["activation"], pos, cfg["residual"],
        "std0.3" if cfg["init"] == "normal" else "xavier", cfg["seed"], " " + iv if iv else "")


def cli_args(cfg):
    args = []
    for k, v in cfg.items():
        args += ["--" + k.replace("_", "-"), repr(v) if isinstance(v, float) else str(v)]
    return args


def expected_config(cfg):
    """Every field, intervention fields as the JSON prints them."""
    return ref.canonical_config(cfg)


def rewrite_metadata(src, dst, extra):
    """Copy a safetensors file, adding keys to its __metadata__ (data bytes unchanged)."""
    with open(src, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    header.setdefault("__metadata__", {}).update({k: str(v) for k, v in extra.items()})
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob[8 + n:])


# A plain CLI run and the baseline the intervened run kept must agree to
# float32 rounding (the same C on the same weights and text).
BASELINE_SELF_RTOL = 1e-5


def check_baseline_cli(exe, path, text, run, tmpdir):
    """Run the CLI plain on the case's weights, from a copy of the checkpoint
    whose metadata holds intervention fields (DESIGN.md: ignored), and hold
    the intervened run's "baseline" to it."""
    errs = []
    dst = os.path.join(tmpdir, "case-meta.safetensors")
    rewrite_metadata(path, dst, {"skip_layer": "0", "zero_head": "0.0",
                                 "remove_norm": "0.attn_norm", "residual_scale": "2"})
    p = subprocess.run([exe, "--load", dst, "--text", text, "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=CLI_TIMEOUT)
    if p.returncode != 0:
        return ["plain rerun (--load, metadata with intervention fields): CLI exit %d: %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace").strip()[:300])]
    try:
        plain = json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        return ["plain rerun: stdout is not JSON (%s)" % e]
    pc = plain.get("config", {})
    for k, v in ref.INTERVENTION_DEFAULTS.items():
        if pc.get(k) != v:
            errs.append("plain rerun: config.%s is %r, expected %r (intervention fields in a "
                        "checkpoint's metadata are ignored)" % (k, pc.get(k), v))
    if plain.get("baseline", "missing") is not None:
        errs.append("plain rerun: baseline should be null")
    base = run.get("baseline")
    if not isinstance(base, dict):
        return errs   # compare() has reported it
    for i, (bl, pl) in enumerate(zip(base.get("layers", []), plain.get("layers", []))):
        for site in ref.SITES:
            bs = bl.get("sites", {}).get(site, {})
            ps = pl.get("sites", {}).get(site, {})
            scale = abs(ps.get("rms") or 0.0)
            for fld in ("mean", "std", "rms", "min", "max", "absmax", "nan", "inf", "zero_frac"):
                a, b = bs.get(fld), ps.get(fld)
                if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
                    if a != b:
                        errs.append("baseline layer %d %s.%s: %r, plain run %r" % (i, site, fld, a, b))
                elif abs(a - b) > BASELINE_SELF_RTOL * (abs(b) + scale) + 1e-30:
                    errs.append("baseline layer %d %s.%s: %.9g, plain run %.9g" % (i, site, fld, a, b))
    probs = base.get("next_token_probs")
    if isinstance(probs, list) and len(probs) == ref.VOCAB:
        for e in plain.get("top_next", []):
            b, pr = e.get("byte"), e.get("prob")
            if isinstance(b, int) and isinstance(pr, (int, float)) and isinstance(probs[b], (int, float)) \
                    and abs(probs[b] - pr) > BASELINE_SELF_RTOL * pr + 1e-9:
                errs.append("baseline.next_token_probs[%d]: %.9g, plain run's top_next prob %.9g" % (
                    b, probs[b], pr))
    return errs


def check_loaded_affine(exe, tensors, meta, want, text, tmpdir, seed):
    """The same case on weights whose γ/β are not 1/0 (at init they are, and a
    removed norm that kept its γ/β, or α applied in the wrong place under a
    norm, would not show): written to a checkpoint, run with --load and the
    same intervention flags (behaviour fields, allowed with --load), held to
    the reference in full."""
    rng = np.random.default_rng(seed)
    t2 = dict(tensors)
    for name, t in tensors.items():
        if name.endswith("norm.weight"):
            t2[name] = 1.0 + 0.3 * rng.standard_normal(t.shape)
        elif name.endswith("norm.bias"):
            t2[name] = 0.3 * rng.standard_normal(t.shape)
    t2 = {k: v.astype(np.float32).astype(np.float64) for k, v in t2.items()}
    dst = os.path.join(tmpdir, "case-affine.safetensors")
    ref.save_safetensors(dst, t2, meta)
    iv = {k: want[k] for k in ref.INTERVENTION_FIELDS if want[k] != ref.INTERVENTION_DEFAULTS[k]}
    cmd = [exe, "--load", dst] + cli_args(iv) + ["--text", text, "--json", "--full"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLI_TIMEOUT)
    if p.returncode != 0:
        return ["random γ/β (--load): CLI exit %d: %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace").strip()[:300])]
    try:
        run = ref.json_loads_keep_duplicates(p.stdout.decode("utf-8"))
    except ValueError as e:
        return ["random γ/β (--load): stdout is not JSON (%s)" % e]
    tokens = list(text.encode("utf-8"))
    r = ref.forward(want, t2, tokens)
    r32 = ref.forward(want, t2, tokens, dtype=np.float32)
    errs = ref.compare(run, r, full=True, expected_config=want, ref32=r32)
    if run.get("weights") != "file":
        errs.append("weights: expected \"file\" got %r" % (run.get("weights"),))
    return ["random γ/β (--load): " + e for e in errs]


def run_refusal(exe, j):
    model, iv, extra, field = REFUSALS[j]
    cfg, text = build_case(300 + j, "layernorm", "pre", "gelu", ROPE_I, "on")
    cfg.update(model)
    cfg.update(iv)
    name = "refusal %s%s" % (" ".join("%s=%s" % kv for kv in sorted(dict(model, **iv).items())),
                             " " + " ".join(extra) if extra else "")
    cmd = [exe] + cli_args(cfg) + extra + ["--text", text, "--json"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLI_TIMEOUT)
    msg = p.stderr.decode("utf-8", "replace").strip()
    errs = []
    if p.returncode == 0:
        errs.append("accepted (exit 0), expected a refusal naming %s" % field)
    elif any(w in msg.lower() for w in ("unknown flag", "unknown option", "unrecognized")):
        # a CLI that does not know the flag names it too: not a range check
        errs.append("refused as an unknown flag, not as a bad value: %r" % msg[:200])
    elif field not in msg and field.replace("_", "-") not in msg:
        errs.append("refused, but the message does not name %s: %r" % (field, msg[:200]))
    elif "\n" in msg:
        errs.append("message is not one line: %r" % msg[:200])
    return name, errs


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
    # the model fields only: interventions are not part of a checkpoint
    for k in ref.MODEL_FIELDS:
        if k not in meta:
            errs.append("safetensors __metadata__: missing %r" % k)
    for k in ref.INTERVENTION_FIELDS:
        if k in meta:
            errs.append("safetensors __metadata__: holds the intervention field %r (%r);"
                        " interventions are not written to checkpoints" % (k, meta[k]))
    for k in ref.MODEL_FIELDS:
        v = want[k]
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
    if r["interventions"]["any"]:
        # compare() held run["baseline"] to r["baseline"]; that is a plain
        # reference forward: make sure, then hold it to the CLI run plain too
        plain = ref.forward(dict(want, **ref.INTERVENTION_DEFAULTS), tensors, tokens)
        if plain["baseline"] is not None or not np.array_equal(plain["logits"], r["baseline"]["logits"]):
            errs.append("checker: the reference's baseline is not its plain forward")
        errs += check_baseline_cli(exe, path, text, run, tmpdir)
        if want["norm"] != "none":
            errs += check_loaded_affine(exe, tensors, meta, want, text, tmpdir, want["seed"])
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
    cases = (quick_cases() if quick else all_cases()) + intervention_cases(quick)
    refusals = QUICK_REFUSALS if quick else range(len(REFUSALS))
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
        for j in refusals:
            try:
                name, errs = run_refusal(exe, j)
            except Exception as e:
                name, errs = "refusal %d" % j, ["checker exception %s: %s" % (type(e).__name__, e)]
            if errs:
                failed += 1
                print("FAIL %s: %s" % (name, " | ".join(errs)))
            elif verbose:
                print("ok   %s" % name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    n = len(cases) + len(refusals)
    print("grid: %d cases (%d with interventions, %d refusals), %d failed (%d CLI errors) in %.1fs" % (
        n, sum(1 for c, _ in cases if any(k in c for k in ref.INTERVENTION_FIELDS)), len(refusals),
        failed, cli_failed, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
