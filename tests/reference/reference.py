#!/usr/bin/python3
"""Independent float64 numpy reference for normscope.

Written only from the equations in DESIGN.md (sections "Model configuration",
"Sites", "Checkpoints" and the "Decisions" part: forward pass, site table,
probes, JSON, and "Looking deeper": interventions, logit lens, branches,
outliers, checks).  It does not look at the C code.

    /usr/bin/python3 tests/reference/reference.py selftest

Public functions:
    load_safetensors(path)          -> (tensors {name: float64 array}, metadata {str: str})
    config_from_metadata(meta)      -> config dict (typed, defaults filled in; the
                                       intervention fields in metadata are ignored)
    parse_interventions(config)     -> skip_layer / zero_head / remove_norm / residual_scale, parsed
    canonical_config(config)        -> every field, interventions as the JSON prints them
    expected_tensor_shapes(config)  -> {name: shape} a checkpoint must contain
    forward(config, tensors, tokens)-> dict with every probed quantity (float64), incl.
                                       stream, branch_cos, channel_absmax, outliers,
                                       the logit lens and the baseline
    site_stats(values)              -> stats dict as the probes define them
    token_rms(values)               -> [T]
    cos_rows, channel_absmax, outliers, logit_lens -> the "Looking deeper" quantities
    checks(run_json_full)           -> the five on-screen checks recomputed from a run's
                                       own printed numbers (float64)
    ref_checks(ref)                 -> the same checks on a forward() result
    compare(run_json, ref)          -> list of human-readable mismatch strings
"""

import json
import math
import struct
import sys

import numpy as np

SITES = ("resid_in", "attn_norm", "attn_out", "resid_mid",
         "ffn_norm", "ffn_hidden", "ffn_out", "resid_out")
NORMS = ("attn_norm", "ffn_norm")
STAT_FIELDS = ("mean", "std", "rms", "min", "max", "absmax", "nan", "inf",
               "zero_frac", "hist_lo", "hist_hi")
HIST_BINS = 64
VOCAB = 256

# ---------------------------------------------------------------- tolerances
# A value v from the C build (float32) matches reference r (float64) when
#     |v - r| <= atol + RTOL * |r|
# atol is scaled by a magnitude that belongs to the quantity (the rms of the
# array or site), because float32 rounding error is relative to the size of
# the numbers that were summed, not to the (possibly ~0) result.
RTOL = 1e-4
ATOL_SCALE = 1e-4          # atol = ATOL_SCALE * (typical magnitude of the array)
ATOL_TINY = 1e-12          # floor so that all-zero arrays compare exactly-ish
PROB_ATOL = 2e-5           # attention / next-token probabilities live in [0, 1]
ANGLE_ATOL = 1e-6          # RoPE angles are computed in double, stored as f32
# Histogram counts and zero fractions: float32 vs float64 may move a value
# across a bin edge (or across exactly 0 after relu).  Allowed:
#     sum |count diff| <= HIST_FRAC * n + HIST_SLACK
HIST_FRAC = 0.01
HIST_SLACK = 2
ZERO_FRAC_SLACK = 2        # values; zero_frac * n may differ by this + HIST_FRAC*n
# zero_frac counts exact zeros.  A float32 pipeline may legitimately produce 0
# for a value whose float64 magnitude is tiny (an intermediate underflows, e.g.
# silu(a) = a / (1 + exp(-a)) is 0 in float32 once exp(-a) overflows, a < -88.7,
# and then silu(a) * b is 0 however large b is).  Values with |v| below this
# count as "may be zero": the expected zero count lies in
# [exact zeros, exact zeros + such values] (plus the slack above).
FLOAT32_UNDERFLOW = 1e-30
# SwiGLU: silu(a) underflows float32 for a < ~-100 while the gate w3·x can be
# large, so silu(a)·b may be 0 in float32 though not tiny in float64:
# "may be zero" when a < SILU_F32_OVERFLOW.
SILU_F32_OVERFLOW = -80.0
# When compare() is given a float32 run of the same equations (forward(...,
# dtype=np.float32)), DRIFT_FACTOR times its largest drift from float64 is
# added to each array's atol.  That keeps the check tight where float32 is
# well conditioned and lets it follow float32 where the model itself is
# ill-conditioned (norm none + residual: activations ~1e4, near one-hot
# softmax).  Different summation orders (C loops vs numpy pairwise/BLAS) give
# drifts a few times apart, hence a factor, not 1.
DRIFT_FACTOR = 10.0
MAX_REPORT_PER_ARRAY = 3   # element mismatches reported per array before "... and N more"

# ---------------------------------------------------------------- safetensors

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8",
           "U8": "u1", "I8": "i1", "I16": "<i2"}


def load_safetensors(path):
    """Parse a safetensors file.  Returns (tensors, metadata).

    tensors: {name: float64 numpy array with the stored shape}
    metadata: the "__metadata__" dict ({} when absent)
    Raises ValueError on any malformed file.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: shorter than the 8-byte header length" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("%s: header length %d exceeds file size %d" % (path, n, len(blob)))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("%s: header is not a JSON object" % path)
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        shape = [int(s) for s in info["shape"]]
        b, e = (int(o) for o in info["data_offsets"])
        if dt == "BF16":
            itemsize = 2
        elif dt in _DTYPES:
            itemsize = np.dtype(_DTYPES[dt]).itemsize
        else:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, dt))
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= b <= e <= len(data)) or e - b != count * itemsize:
            raise ValueError("%s: tensor %s offsets [%d,%d) inconsistent with shape %s %s"
                             " and data size %d" % (path, name, b, e, shape, dt, len(data)))
        raw = bytes(data[b:e])
        if dt == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dt])
        tensors[name] = arr.astype(np.float64).reshape(shape)
    return tensors, meta


def save_safetensors(path, tensors, metadata=None):
    """Minimal float32 writer (used by the self test)."""
    header = {}
    chunks = []
    off = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- config

MODEL_DEFAULTS = {
    "n_layers": 6, "d_model": 64, "n_heads": 4, "d_ff": None, "norm": "layernorm",
    "placement": "pre", "residual": "on", "activation": "gelu", "pos": "rope",
    "rope_theta": 10000.0, "rope_pairing": "interleaved", "norm_eps": 1e-5,
    "init": "normal", "init_std": 0.02, "seed": 1, "max_tokens": 128,
}
# The model fields a checkpoint's __metadata__ carries (DESIGN.md "Checkpoints").
MODEL_FIELDS = tuple(MODEL_DEFAULTS)
# Interventions (DESIGN.md "Looking deeper"): model fields that change
# behaviour, never weights.  They are NOT written to checkpoints, and a
# checkpoint's metadata holding them is ignored.  The JSON "config" prints the
# three string fields as strings and residual_scale as a number.
INTERVENTION_DEFAULTS = {"skip_layer": "none", "zero_head": "none", "remove_norm": "none",
                         "residual_scale": 1.0}
INTERVENTION_FIELDS = tuple(INTERVENTION_DEFAULTS)
INTERVENTION_STR_FIELDS = ("skip_layer", "zero_head", "remove_norm")
RESIDUAL_SCALE_MAX = 100.0
CONFIG_DEFAULTS = dict(MODEL_DEFAULTS, **INTERVENTION_DEFAULTS)
INT_FIELDS = ("n_layers", "d_model", "n_heads", "d_ff", "seed", "max_tokens")
FLOAT_FIELDS = ("rope_theta", "norm_eps", "init_std", "residual_scale")
STR_FIELDS = ("norm", "placement", "residual", "activation", "pos", "rope_pairing", "init",
              "skip_layer", "zero_head", "remove_norm")


def normalize_residual(v):
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, (int, float)):
        return "on" if v else "off"
    s = str(v).strip().lower()
    if s in ("on", "true", "1", "yes"):
        return "on"
    if s in ("off", "false", "0", "no"):
        return "off"
    raise ValueError("residual: %r is not on/off" % (v,))


def config_from_metadata(meta):
    """Typed config from safetensors __metadata__ (values are strings).

    Only the model fields are read; intervention fields in the metadata are
    ignored (DESIGN.md: they are not part of a model), so they come back at
    their defaults."""
    cfg = dict(CONFIG_DEFAULTS)
    for k in MODEL_FIELDS:
        if k in meta and meta[k] is not None:
            v = meta[k]
            if k in INT_FIELDS:
                cfg[k] = int(str(v), 0) if isinstance(v, str) else int(v)
            elif k in FLOAT_FIELDS:
                cfg[k] = float(v)
            elif k == "residual":
                cfg[k] = normalize_residual(v)
            else:
                cfg[k] = str(v)
    if cfg["d_ff"] is None:
        cfg["d_ff"] = 4 * cfg["d_model"]
    return cfg


def _parse_uint(field, text, hi):
    if not text.isdigit() or not text.isascii():
        raise ValueError("%s: %r is not a number 0 ... %d" % (field, text, hi))
    v = int(text)
    if v > hi:
        raise ValueError("%s: %d is out of range 0 ... %d" % (field, v, hi))
    return v


def parse_interventions(cfg):
    """The four intervention fields of cfg, parsed and range-checked.

    Returns dict(skip=layer|None, zero=(layer, head)|None,
                 remove=(layer, "attn_norm"|"ffn_norm") | "final_norm" | None,
                 alpha=float, any=bool, canonical={field: value as the JSON prints it}).
    "any" is True when a field differs from its default, whether or not it
    changes the numbers (α under residual off, say): the spec's "with any
    intervention set" is read as "any field set", which is what a learner sees.
    Raises ValueError naming the field.
    """
    L, H = int(cfg["n_layers"]), int(cfg["n_heads"])
    out = {"skip": None, "zero": None, "remove": None}
    canon = {}
    v = cfg.get("skip_layer", "none")
    v = "none" if v is None else str(v).strip()
    if v != "none":
        out["skip"] = _parse_uint("skip_layer", v, L - 1)
        v = str(out["skip"])
    canon["skip_layer"] = v
    v = cfg.get("zero_head", "none")
    v = "none" if v is None else str(v).strip()
    if v != "none":
        parts = v.split(".")
        if len(parts) != 2:
            raise ValueError("zero_head: %r is not none or L.H" % v)
        out["zero"] = (_parse_uint("zero_head", parts[0], L - 1),
                       _parse_uint("zero_head", parts[1], H - 1))
        v = "%d.%d" % out["zero"]
    canon["zero_head"] = v
    v = cfg.get("remove_norm", "none")
    v = "none" if v is None else str(v).strip()
    if v == "final_norm":
        if cfg["placement"] != "pre" or cfg["norm"] == "none":
            raise ValueError("remove_norm: final_norm needs placement pre and a norm")
        out["remove"] = "final_norm"
    elif v != "none":
        parts = v.split(".")
        if len(parts) != 2 or parts[1] not in NORMS:
            raise ValueError("remove_norm: %r is not none, L.attn_norm, L.ffn_norm or final_norm" % v)
        out["remove"] = (_parse_uint("remove_norm", parts[0], L - 1), parts[1])
        v = "%d.%s" % out["remove"]
    canon["remove_norm"] = v
    a = cfg.get("residual_scale", 1.0)
    a = 1.0 if a is None else float(a)
    if not (0.0 <= a <= RESIDUAL_SCALE_MAX):
        raise ValueError("residual_scale: %r is out of range 0 ... %g" % (a, RESIDUAL_SCALE_MAX))
    out["alpha"] = a
    canon["residual_scale"] = a
    out["canonical"] = canon
    out["any"] = any(canon[k] != INTERVENTION_DEFAULTS[k] for k in INTERVENTION_FIELDS)
    return out


def canonical_config(cfg):
    """cfg with every field present (defaults filled in) and the intervention
    fields in the form the JSON prints them ("2", "1.3", "0.ffn_norm", α float)."""
    out = dict(CONFIG_DEFAULTS)
    out.update(cfg)
    if out["d_ff"] is None:
        out["d_ff"] = 4 * out["d_model"]
    out.update(parse_interventions(out)["canonical"])
    return out


def expected_tensor_shapes(cfg):
    d, f, L = cfg["d_model"], cfg["d_ff"], cfg["n_layers"]
    s = {"tok_embeddings.weight": (VOCAB, d), "output.weight": (VOCAB, d)}
    if cfg["pos"] == "learned":
        s["pos_embeddings.weight"] = (cfg["max_tokens"], d)
    for i in range(L):
        p = "layers.%d." % i
        for w in ("wq", "wk", "wv", "wo"):
            s[p + "attention.%s.weight" % w] = (d, d)
        s[p + "feed_forward.w1.weight"] = (f, d)
        s[p + "feed_forward.w2.weight"] = (d, f)
        if cfg["activation"] == "swiglu":
            s[p + "feed_forward.w3.weight"] = (f, d)
        if cfg["norm"] != "none":
            s[p + "attention_norm.weight"] = (d,)
            s[p + "ffn_norm.weight"] = (d,)
            if cfg["norm"] == "layernorm":
                s[p + "attention_norm.bias"] = (d,)
                s[p + "ffn_norm.bias"] = (d,)
    if cfg["placement"] == "pre" and cfg["norm"] != "none":
        s["norm.weight"] = (d,)
        if cfg["norm"] == "layernorm":
            s["norm.bias"] = (d,)
    return s


# ---------------------------------------------------------------- kernels

def gelu_tanh(x):
    """0.5·x·(1 + tanh(z)), evaluated as the identical x·σ(2z): in float64
    1 + tanh(z) itself cancels to 0 for z < -19 and would invent zeros."""
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    return x * sigmoid(2.0 * z)


def sigmoid(u):
    u = np.asarray(u)
    e = np.exp(-np.abs(u))  # never overflows
    return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    return np.maximum(x, 0.0)


def silu(x):
    return x * sigmoid(x)


def apply_norm(kind, x, gamma=None, beta=None, eps=1e-5):
    """Norm over the last axis.  Returns dict(mean, divisor, input, normalized, output)."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    mean = x.mean(axis=-1)
    if kind == "layernorm":
        c = x - mean[..., None]
        var = (c * c).mean(axis=-1)
        div = np.sqrt(var + eps)
        normalized = c / div[..., None]
        out = normalized * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)
    elif kind == "rmsnorm":
        div = np.sqrt((x * x).mean(axis=-1) + eps)
        normalized = x / div[..., None]
        out = normalized * (1.0 if gamma is None else gamma)
    elif kind == "none":
        div = np.ones_like(mean)
        normalized = x.copy()
        out = x.copy()
    else:
        raise ValueError("unknown norm %r" % kind)
    return {"mean": mean, "divisor": div, "input": x.copy(), "normalized": normalized, "output": out}


def rope_angles(T, hd, theta):
    i = np.arange(hd // 2, dtype=np.float64)
    inv = theta ** (-2.0 * i / hd)
    return np.arange(T, dtype=np.float64)[:, None] * inv[None, :]      # [T, hd/2]


def rope_pairs(hd, pairing):
    i = np.arange(hd // 2)
    if pairing == "interleaved":
        return 2 * i, 2 * i + 1
    if pairing == "half":
        return i, i + hd // 2
    raise ValueError("unknown rope_pairing %r" % pairing)


def apply_rope(x, angles, pairing):
    """x: [T, H, hd]; angles: [T, hd/2].  (a, b) -> (a cos - b sin, a sin + b cos)."""
    hd = x.shape[-1]
    ia, ib = rope_pairs(hd, pairing)
    c = np.cos(angles)[:, None, :].astype(x.dtype)
    s = np.sin(angles)[:, None, :].astype(x.dtype)
    a = x[..., ia]
    b = x[..., ib]
    y = x.copy()
    y[..., ia] = a * c - b * s
    y[..., ib] = a * s + b * c
    return y


def sinusoidal_pe(T, d):
    pe = np.zeros((T, d))
    t = np.arange(T, dtype=np.float64)
    for j in range(d):
        two_i = j - (j % 2)
        arg = t / (10000.0 ** (two_i / d))
        pe[:, j] = np.sin(arg) if j % 2 == 0 else np.cos(arg)
    return pe


def softmax_rows(s):
    m = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- forward

def _norm_params(tensors, cfg, prefix):
    if cfg["norm"] == "none":
        return None, None
    g = tensors[prefix + ".weight"]
    b = tensors.get(prefix + ".bias") if cfg["norm"] == "layernorm" else None
    return g, b


def attention(cfg, tensors, i, x, angles, zero_head=None, zero_after_wo=False):
    """zero_head: a head whose output (its slice of the concatenated heads,
    before Wo) is set to 0; its probabilities are still returned.
    zero_after_wo is a deliberate error for the self test (zeroes the slice of
    attn_out after Wo instead)."""
    T, d = x.shape
    H = cfg["n_heads"]
    hd = d // H
    p = "layers.%d.attention." % i
    q = x @ tensors[p + "wq.weight"].T
    k = x @ tensors[p + "wk.weight"].T
    v = x @ tensors[p + "wv.weight"].T
    qh = q.reshape(T, H, hd)
    kh = k.reshape(T, H, hd)
    vh = v.reshape(T, H, hd)
    if cfg["pos"] == "rope":
        qr = apply_rope(qh, angles, cfg["rope_pairing"])
        kr = apply_rope(kh, angles, cfg["rope_pairing"])
    else:
        qr, kr = qh, kh
    scores = np.einsum("thd,shd->hts", qr, kr) / math.sqrt(hd)       # [H, T, T]
    mask = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(mask[None], scores, -np.inf)
    P = softmax_rows(scores)
    P = np.where(mask[None], P, 0.0)
    out = np.einsum("hts,shd->thd", P, vh).reshape(T, d)
    if zero_head is not None and not zero_after_wo:
        out[:, zero_head * hd:(zero_head + 1) * hd] = 0.0
    attn_out = out @ tensors[p + "wo.weight"].T
    if zero_head is not None and zero_after_wo:
        attn_out[:, zero_head * hd:(zero_head + 1) * hd] = 0.0
    return attn_out, {"probs": P, "q": q, "k": k,
                      "q_rot": qr.reshape(T, d), "k_rot": kr.reshape(T, d)}


def ffn(cfg, tensors, i, x):
    p = "layers.%d.feed_forward." % i
    a = x @ tensors[p + "w1.weight"].T
    act = cfg["activation"]
    if act == "gelu":
        h = gelu_tanh(a)
        maybe_zero = np.zeros(h.shape, dtype=bool)
    elif act == "relu":
        h = relu(a)
        maybe_zero = np.zeros(h.shape, dtype=bool)
    elif act == "swiglu":
        h = silu(a) * (x @ tensors[p + "w3.weight"].T)
        maybe_zero = a < SILU_F32_OVERFLOW
    else:
        raise ValueError("unknown activation %r" % act)
    return h @ tensors[p + "w2.weight"].T, h, maybe_zero


def embed(cfg, tensors, tokens):
    tokens = np.asarray(tokens, dtype=np.int64)
    T = len(tokens)
    x = tensors["tok_embeddings.weight"][tokens].copy()
    if cfg["pos"] == "learned":
        x = x + tensors["pos_embeddings.weight"][:T]
    elif cfg["pos"] == "sinusoidal":
        x = x + sinusoidal_pe(T, cfg["d_model"]).astype(x.dtype)
    return x


# Deliberate errors forward() can make, for the self test only: each must be
# caught by compare() (so we know the comparisons can fail).
MUTATIONS = (
    "skip_as_zero",              # skip_layer replaces the output by 0, not by the input
    "alpha_on_branch",           # α·y instead of α·x: x + α·Attn(N(x))
    "zero_head_after_wo",        # zeroes attn_out's columns instead of the head before Wo
    "removed_norm_keeps_affine", # a removed norm still applies γ/β
    "cos_vs_output",             # branch_cos[0] against the block output, not its input
    "absmax_signed",             # channel_absmax as the max of signed values
    "outliers_mean",             # outlier ratio against the mean, not the median
    "lens_no_final_norm",        # lens reads the raw stream where the final norm applies
    "lens_removed_final_norm",   # lens still applies a removed final norm
    "lens_row_shift",            # lens row l reads stream row l+1 (the last row twice)
    "baseline_intervened",       # baseline is the intervened run itself
)


def forward(cfg, tensors, tokens, dtype=np.float64, perturb=None, mutation=None):
    """Run the model in float64 and return everything the probes record.

    Returns a dict:
      config (canonical_config(cfg)), tokens [T], interventions (parse_interventions)
      layers: list of {
          "sites": {site: [T, width]},
          "norms": {"attn_norm"|"ffn_norm": {mean, divisor [T]; input, normalized, output [T,d]}},
          "attn_probs": [H,T,T], "q","k","q_rot","k_rot": [T,d],
          "branch_cos": [2,T] (attn_out vs block input, ffn_out vs resid_mid),
          "channel_absmax": [d] (resid_out), "outliers": [(channel, absmax, ratio, flagged) x4] }
      final_norm: {mean, divisor, input, normalized, output} (identity record when
                  norm is none under pre, or when remove_norm = final_norm; None under post)
      has_final_norm: True under pre with layernorm/rmsnorm (the record exists)
      final_norm_used: has_final_norm and remove_norm != final_norm (what the lens uses)
      rope_angle [T, hd/2], logits [T, 256], stream [L+1, T, d]
      lens: logit_lens() dict
      baseline: forward() of the same cfg with every intervention at its default
                (None when no intervention is set)
    dtype=np.float32 runs the same equations in float32 (a diagnostic: it shows
    how far an honest float32 implementation drifts from the float64 result).
    perturb={(layer, site): delta [T, width]} adds delta to that site's value
    where it is computed, and everything downstream sees the sum (the site
    gradients' finite differences). Under post-norm, attn_norm and resid_mid
    are one value, as are ffn_norm and resid_out.
    mutation: one of MUTATIONS (self test only).
    """
    if mutation is not None and mutation not in MUTATIONS:
        raise ValueError("unknown mutation %r" % mutation)
    cfg = canonical_config(cfg)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = _forward(cfg, tensors, tokens, dtype, perturb or {}, mutation)
        r["baseline"] = None
        if r["interventions"]["any"]:
            # DESIGN.md: the unmodified model (same weights and text, every
            # intervention off) runs first; its site stats and next-byte
            # probabilities are kept as the baseline
            if mutation == "baseline_intervened":
                r["baseline"] = _forward(cfg, tensors, tokens, dtype, perturb or {}, None)
            else:
                r["baseline"] = _forward(dict(cfg, **INTERVENTION_DEFAULTS), tensors, tokens,
                                         dtype, perturb or {}, None)
    return r


def cos_rows(a, b):
    """Per-row cosine a·b / (|a||b|) in double; 0 when either row is all zeros."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.sqrt((a * a).sum(axis=-1))
    nb = np.sqrt((b * b).sum(axis=-1))
    dot = (a * b).sum(axis=-1)
    zero = (na == 0) | (nb == 0)
    return np.where(zero, 0.0, dot / np.where(zero, 1.0, na * nb))


def channel_absmax(values):
    """[T, d] -> [d]: per channel the largest |value| over tokens, finite only, 0 if none."""
    v = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(v), np.abs(v), 0.0).max(axis=0)


OUTLIER_COUNT = 4
OUTLIER_RATIO = 10.0
MEDIAN_FLOOR = 1e-30


def outliers(cam, use_mean=False):
    """The OUTLIER_COUNT channels with the largest channel_absmax, largest first,
    ties lower channel first: [(channel, absmax, ratio, flagged)], ratio against
    the median (even count: mean of the two middle values) floored at 1e-30."""
    cam = np.asarray(cam, dtype=np.float64)
    order = np.argsort(-cam, kind="stable")[:OUTLIER_COUNT]
    med = float(np.mean(cam)) if use_mean else float(np.median(cam))
    med = max(med, MEDIAN_FLOOR)
    return [(int(c), float(cam[c]), float(cam[c]) / med, float(cam[c]) / med >= OUTLIER_RATIO)
            for c in order]


def logit_lens(cfg, tensors, stream, use_final_norm, mutation=None):
    """The output head on every stream row [L+1, T, d] (DESIGN.md "Logit lens").

    use_final_norm: pre-norm, norm not none, remove_norm not final_norm.
    Returns dict(final_norm, logits [L+1,T,256], top, prob, raw_logits, raw_top,
    raw_prob (None without the final norm)).  top: argmax, lowest byte on ties
    (np.argmax returns the first maximum); prob: its softmax probability.
    """
    W = tensors["output.weight"]
    rows = stream
    if mutation == "lens_row_shift":
        rows = np.concatenate([stream[1:], stream[-1:]], axis=0)
    raw = rows @ W.T
    if use_final_norm and mutation != "lens_no_final_norm":
        g, b = _norm_params(tensors, cfg, "norm")
        logits = apply_norm(cfg["norm"], rows, g, b, cfg["norm_eps"])["output"] @ W.T
    else:
        logits = raw

    def read(lg):
        lg64 = np.asarray(lg, dtype=np.float64)
        top = np.argmax(lg64, axis=-1)
        p = softmax_rows(lg64)
        return top, np.take_along_axis(p, top[..., None], axis=-1)[..., 0]

    top, prob = read(logits)
    out = {"final_norm": bool(use_final_norm), "logits": logits, "top": top, "prob": prob,
           "raw_logits": None, "raw_top": None, "raw_prob": None}
    if use_final_norm:
        out["raw_logits"] = raw
        out["raw_top"], out["raw_prob"] = read(raw)
    return out


def _forward(cfg, tensors, tokens, dtype, perturb, mutation=None):
    iv = parse_interventions(cfg)
    tensors = {k: np.asarray(v).astype(dtype) for k, v in tensors.items()}
    tokens = list(tokens)
    T = len(tokens)
    d, H = cfg["d_model"], cfg["n_heads"]
    hd = d // H
    on = normalize_residual(cfg["residual"]) == "on"
    # residual_scale: every residual add R·x + y becomes α·x + y when the
    # residual is on (off: still y).  α = 1 is the plain model.
    R = iv["alpha"] if on else 0.0
    # the deliberate error: the skip stays 1 and α scales the branch instead
    R_skip, B = (1.0 if on else 0.0, iv["alpha"] if on else 1.0) if mutation == "alpha_on_branch" \
        else (R, 1.0)
    eps = cfg["norm_eps"]
    kind = cfg["norm"]
    angles = rope_angles(T, hd, cfg["rope_theta"])
    x = embed(cfg, tensors, tokens)
    layers = []
    for i in range(cfg["n_layers"]):
        g1, b1 = _norm_params(tensors, cfg, "layers.%d.attention_norm" % i)
        g2, b2 = _norm_params(tensors, cfg, "layers.%d.ffn_norm" % i)
        zh = iv["zero"][1] if iv["zero"] is not None and iv["zero"][0] == i else None

        def norm(which, inp, g, b):
            # remove_norm: that norm becomes the identity (no division, no γ/β):
            # normalized = output = input, mean recorded as usual, divisor 1
            if iv["remove"] == (i, which):
                rec = apply_norm("none", inp)
                if mutation == "removed_norm_keeps_affine" and g is not None:
                    rec["output"] = inp * g + (0.0 if b is None else b)
                return rec
            return apply_norm(kind, inp, g, b, eps)

        def add(skip, branch):
            return R_skip * skip + B * branch

        def bump(value, *sites):
            for site in sites:
                if (i, site) in perturb:
                    value = value + perturb[(i, site)]
            return value

        def ffn_bumped(inp):
            # ffn_hidden's perturbation reaches ffn_out through W2 (linear)
            f, h, mz = ffn(cfg, tensors, i, inp)
            if (i, "ffn_hidden") in perturb:
                dh = perturb[(i, "ffn_hidden")]
                h = h + dh
                f = f + dh @ tensors["layers.%d.feed_forward.w2.weight" % i].T.astype(f.dtype)
            return f, h, mz

        x = bump(x, "resid_in")
        s = {"resid_in": x}
        if cfg["placement"] == "pre":
            n1 = norm("attn_norm", x, g1, b1)
            s["attn_norm"] = bump(n1["output"], "attn_norm")
            a, att = attention(cfg, tensors, i, s["attn_norm"], angles, zh,
                               mutation == "zero_head_after_wo")
            s["attn_out"] = a = bump(a, "attn_out")
            s["resid_mid"] = bump(add(x, a), "resid_mid")
            n2 = norm("ffn_norm", s["resid_mid"], g2, b2)
            s["ffn_norm"] = bump(n2["output"], "ffn_norm")
            f, h, mz = ffn_bumped(s["ffn_norm"])
            s["ffn_hidden"] = h
            s["ffn_out"] = f = bump(f, "ffn_out")
            s["resid_out"] = bump(add(s["resid_mid"], f), "resid_out")
        elif cfg["placement"] == "post":
            a, att = attention(cfg, tensors, i, x, angles, zh, mutation == "zero_head_after_wo")
            a = bump(a, "attn_out")
            n1 = norm("attn_norm", add(x, a), g1, b1)
            s["attn_norm"] = bump(n1["output"], "attn_norm", "resid_mid")
            s["attn_out"] = a
            s["resid_mid"] = s["attn_norm"]
            f, h, mz = ffn_bumped(s["resid_mid"])
            f = bump(f, "ffn_out")
            n2 = norm("ffn_norm", add(s["resid_mid"], f), g2, b2)
            s["ffn_norm"] = bump(n2["output"], "ffn_norm", "resid_out")
            s["ffn_hidden"] = h
            s["ffn_out"] = f
            s["resid_out"] = s["ffn_norm"]
        else:
            raise ValueError("unknown placement %r" % cfg["placement"])
        if iv["skip"] == i:
            # skip_layer: the block computed (and recorded) everything as usual;
            # then its output is replaced by its input, resid_out = resid_in,
            # in both placements (under post, ffn_norm keeps N2(...): they are
            # no longer one value)
            s["resid_out"] = np.zeros_like(x) if mutation == "skip_as_zero" else x
        # branch_cos: what a sublayer adds against the stream it is added to:
        # attn_out vs the block input x (both placements; x itself, not α·x),
        # ffn_out vs resid_mid (post: the attn_norm output, the same value)
        bc = np.stack([cos_rows(s["attn_out"], s["resid_out"] if mutation == "cos_vs_output" else x),
                       cos_rows(s["ffn_out"], s["resid_mid"])])
        if mutation == "absmax_signed":
            cam = np.where(np.isfinite(s["resid_out"]), s["resid_out"], 0.0).max(axis=0) \
                .astype(np.float64)
        else:
            cam = channel_absmax(s["resid_out"])
        x = s["resid_out"]
        layers.append({"sites": s, "norms": {"attn_norm": n1, "ffn_norm": n2},
                       "maybe_zero": {"ffn_hidden": mz},
                       "attn_probs": att["probs"], "q": att["q"], "k": att["k"],
                       "q_rot": att["q_rot"], "k_rot": att["k_rot"],
                       "branch_cos": bc, "channel_absmax": cam,
                       "outliers": outliers(cam, use_mean=mutation == "outliers_mean")})
    final = None
    has_final = False
    if cfg["placement"] == "pre":
        gf, bf = _norm_params(tensors, cfg, "norm")
        if iv["remove"] == "final_norm":
            final = apply_norm("none", x)
        else:
            final = apply_norm(kind, x, gf, bf, eps)
        has_final = kind != "none"
        head_in = final["output"]
    else:
        head_in = x
    logits = head_in @ tensors["output.weight"].T
    # the residual stream: [0] the embedding output (block 0's input), [l+1]
    # block l's output
    stream = np.stack([layers[0]["sites"]["resid_in"]] + [l["sites"]["resid_out"] for l in layers])
    used = has_final and iv["remove"] != "final_norm"
    lens = logit_lens(cfg, tensors, stream,
                      has_final if mutation == "lens_removed_final_norm" else used, mutation)
    return {"config": dict(cfg), "tokens": tokens, "interventions": iv, "layers": layers,
            "final_norm": final, "has_final_norm": has_final, "final_norm_used": used,
            "rope_angle": angles, "logits": logits, "stream": stream, "lens": lens}


# ---------------------------------------------------------------- stats

def token_rms(values):
    v = np.asarray(values, dtype=np.float64)
    return np.sqrt((v * v).mean(axis=-1))


def site_stats(values):
    """Stats of one site (all values), as DESIGN.md "Probes" defines them.

    Returns dict with mean std rms min max absmax nan inf zero_frac hist_lo hist_hi,
    plus "counts" (64 ints) and "n" (number of values).  Fields over finite
    values are NaN when there is no finite value.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    fin = v[np.isfinite(v)]
    out = {"n": n, "nan": int(np.isnan(v).sum()), "inf": int(np.isinf(v).sum()),
           "zero_frac": float((v == 0).sum()) / n if n else 0.0}
    if fin.size:
        mean = fin.mean()
        out.update(mean=float(mean), std=float(np.sqrt(((fin - mean) ** 2).mean())),
                   rms=float(np.sqrt((fin * fin).mean())), min=float(fin.min()),
                   max=float(fin.max()), absmax=float(np.abs(fin).max()))
        lo, hi = out["min"], out["max"]
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        b = np.floor((fin - lo) / (hi - lo) * HIST_BINS).astype(np.int64)
        b = np.clip(b, 0, HIST_BINS - 1)
        counts = np.bincount(b, minlength=HIST_BINS)
        out.update(hist_lo=lo, hist_hi=hi, counts=counts)
    else:
        for k in ("mean", "std", "rms", "min", "max", "absmax"):
            out[k] = float("nan")
        out.update(hist_lo=0.0, hist_hi=0.0, counts=np.zeros(HIST_BINS, dtype=np.int64))
    return out


# ---------------------------------------------------------------- on-screen checks

CHECK_NAMES = ("softmax_sum", "norm_rms", "norm_mean", "rope_norm", "rope_offset")
CHECK_TOLERANCES = {"softmax_sum": 1e-4, "norm_rms": 1e-4, "norm_mean": 1e-4,
                    "rope_norm": 1e-5, "rope_offset": 1e-5}
# The CLI's `worst` against our recomputation from its own printed numbers:
# both are rounding-level (~1e-7), so agreement is loose, but a wrong
# definition (no ε in norm_rms, positions swapped in rope_offset) is off by
# orders of magnitude.
CHECK_AGREE_RTOL = 1e-2
CHECK_AGREE_ATOL = 1e-7
# softmax_sum also covers the next-byte probs[256], which the JSON does not
# print (top_next has 5 of them): that part is estimated from
# next_token_logits by a float32 softmax, and the C's own rounding of its 256
# probabilities may differ from ours by about this much.
SOFTMAX_PROBS_SLACK = 2e-6
# "the checks pass on an honest float32 run": when the float32 emulation's
# worst is below tolerance / this, the CLI must report ok.
CHECK_MARGIN = 10.0


def check_applies(cfg):
    """Which checks apply to a config (DESIGN.md "On-screen checks")."""
    return {"softmax_sum": True, "norm_rms": cfg["norm"] != "none",
            "norm_mean": cfg["norm"] == "layernorm", "rope_norm": cfg["pos"] == "rope",
            "rope_offset": cfg["pos"] == "rope"}


def softmax_f32(logits):
    """A float32 softmax (what an honest float32 kernel returns), as float64."""
    z = np.asarray(logits, dtype=np.float32)
    e = np.exp(z - z.max())
    return (e / e.sum(dtype=np.float32)).astype(np.float64)


def _check_values(cfg, layers, final, probs):
    """The five checks' worst values, in float64, from recorded arrays.

    layers: per layer {"attn_probs" [H,T,T], "norms": {nm: {"input","normalized"} [T,d]},
                       "q","k","q_rot","k_rot" [T,d] (rotated ones None without RoPE)}
    final: {"input","normalized"} [T,d] of the final norm, or None
    probs: the next-byte probabilities [256]
    Returns {name: {"applies": bool, "worst": float}}; softmax_sum also has
    "rows" (attention rows only) and "probs" (the next-byte part).
    """
    ap = check_applies(cfg)
    out = {n: {"applies": ap[n], "worst": 0.0} for n in CHECK_NAMES}
    # softmax_sum: every attention row summed over s <= t, and the probs
    rows = 0.0
    for l in layers:
        P = np.asarray(l["attn_probs"], dtype=np.float64)
        T = P.shape[-1]
        sums = np.where(np.tril(np.ones((T, T), dtype=bool))[None], P, 0.0).sum(axis=-1)
        rows = max(rows, float(np.max(np.abs(sums - 1.0))))
    pw = abs(float(np.sum(np.asarray(probs, dtype=np.float64))) - 1.0)
    out["softmax_sum"].update(worst=max(rows, pw), rows=rows, probs=pw)
    # norms that are not removed: L×2 and the final norm
    rm = parse_interventions(cfg)["remove"]
    recs = []
    for i, l in enumerate(layers):
        for nm in NORMS:
            if rm != (i, nm):
                recs.append(l["norms"][nm])
    if final is not None and rm != "final_norm":
        recs.append(final)
    eps = float(cfg["norm_eps"])
    if ap["norm_rms"]:
        w = 0.0
        for rec in recs:
            x = np.asarray(rec["input"], dtype=np.float64)
            nz = np.asarray(rec["normalized"], dtype=np.float64)
            if cfg["norm"] == "layernorm":
                c = x - x.mean(axis=-1, keepdims=True)
                v = (c * c).mean(axis=-1)
            else:
                v = (x * x).mean(axis=-1)
            rms = np.sqrt((nz * nz).mean(axis=-1))
            w = max(w, float(np.max(np.abs(rms - np.sqrt(v / (v + eps))))))
        out["norm_rms"]["worst"] = w
    if ap["norm_mean"]:
        out["norm_mean"]["worst"] = max(
            [float(np.max(np.abs(np.asarray(r["normalized"], dtype=np.float64).mean(axis=-1))))
             for r in recs] or [0.0])
    if ap["rope_norm"]:
        H = int(cfg["n_heads"])
        wn = wo = 0.0
        for l in layers:
            qk = {}
            for nm in ("q", "k", "q_rot", "k_rot"):
                a = np.asarray(l[nm], dtype=np.float64)
                qk[nm] = a.reshape(a.shape[0], H, -1)                 # [T, H, hd]
            for u, r in (("q", "q_rot"), ("k", "k_rot")):
                nu = np.sqrt((qk[u] ** 2).sum(-1))
                nr = np.sqrt((qk[r] ** 2).sum(-1))
                wn = max(wn, float(np.max(np.abs(nr - nu) / np.maximum(nu, 1e-30))))
            # rope_offset: the last query t = T-1 against every key s <= t:
            # the recorded score q_rot[t]·k_rot[s] vs q[t] rotated to t - s and
            # k[s] left at position 0, in double
            T, _, hd = qk["q"].shape
            t = T - 1
            ang = rope_angles(T, hd, float(cfg["rope_theta"]))          # [T, hd/2], row n = n·θ
            qt = np.broadcast_to(qk["q"][t][None], (T, H, hd))           # q[t] for each s
            offs = ang[t - np.arange(T)]                                  # angle of t - s
            qrel = apply_rope(np.ascontiguousarray(qt), offs, cfg["rope_pairing"])
            want = (qrel * qk["k"]).sum(-1)                               # [s, H]
            got = (qk["q_rot"][t][None] * qk["k_rot"]).sum(-1)            # [s, H]
            scale = np.sqrt((qk["q"][t] ** 2).sum(-1))[None] * np.sqrt((qk["k"] ** 2).sum(-1))
            wo = max(wo, float(np.max(np.abs(got - want) / np.maximum(scale, 1e-30))))
        out["rope_norm"]["worst"] = wn
        out["rope_offset"]["worst"] = wo
    return out


def checks(run):
    """Recompute the five on-screen checks from a CLI `--json --full` run
    object, independently, in float64, from the numbers it printed:
    attn_probs, norm_vectors (input, normalized), final_norm_vectors, q, k,
    q_rot, k_rot, next_token_logits (the probs are not printed: a float32
    softmax of the printed logits stands in) and config.
    Returns {name: {"applies": bool, "worst": float}} (see _check_values).
    Raises KeyError/TypeError/ValueError when the run lacks what it needs.
    """
    cfg = canonical_config(run["config"])
    cfg["residual"] = normalize_residual(cfg["residual"])
    rope = cfg["pos"] == "rope"
    layers = []
    for gl in run["layers"]:
        nv = gl["norm_vectors"]
        l = {"attn_probs": _to_array(gl["attn_probs"]),
             "norms": {nm: {p: _to_array(nv[nm][p]) for p in ("input", "normalized")}
                       for nm in NORMS},
             "q": _to_array(gl["q"]), "k": _to_array(gl["k"]),
             "q_rot": _to_array(gl["q_rot"]) if rope else None,
             "k_rot": _to_array(gl["k_rot"]) if rope else None}
        for k_, v in l.items():
            if k_ != "norms" and v is None and (rope or k_ not in ("q_rot", "k_rot")):
                raise ValueError("layer %s is not a numeric array" % k_)
        layers.append(l)
    fv = run.get("final_norm_vectors")
    final = None
    if cfg["placement"] == "pre" and cfg["norm"] != "none" and fv:
        final = {p: _to_array(fv[p]) for p in ("input", "normalized")}
    return _check_values(cfg, layers, final, softmax_f32(_to_array(run["next_token_logits"])))


def ref_checks(ref, probs_f32=False):
    """The five checks on a forward() result (float64: every worst should be
    ~1e-15; a float32 run: rounding level)."""
    cfg = ref["config"]
    layers = [{"attn_probs": l["attn_probs"],
               "norms": {nm: l["norms"][nm] for nm in NORMS},
               "q": l["q"], "k": l["k"], "q_rot": l["q_rot"], "k_rot": l["k_rot"]}
              for l in ref["layers"]]
    final = ref["final_norm"] if ref["has_final_norm"] else None
    last = ref["logits"][-1]
    probs = softmax_f32(last) if probs_f32 else softmax_rows(np.asarray(last, np.float64)[None])[0]
    return _check_values(cfg, layers, final, probs)


def check_json(values):
    """Render _check_values() output as the JSON "checks" object."""
    out = {}
    for n in CHECK_NAMES:
        v = values[n]
        tol = CHECK_TOLERANCES[n]
        w = v["worst"]
        out[n] = {"applies": bool(v["applies"]), "worst": w if math.isfinite(w) else None,
                  "tolerance": tol, "ok": bool(v["applies"] and math.isfinite(w) and w <= tol)}
    return out


# ---------------------------------------------------------------- compare

DUP_KEY = "__duplicate_keys__"


def json_loads_keep_duplicates(text):
    """json.loads that keeps the last value of a duplicated key (as JSON.parse
    does) and files the earlier ones under DUP_KEY: {key: [earlier values]}."""
    def hook(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                d.setdefault(DUP_KEY, {}).setdefault(k, []).append(d[k])
            d[k] = v
        return d
    return json.loads(text, object_pairs_hook=hook)


def find_duplicate_keys(obj, path="run"):
    """Paths of objects (parsed with json_loads_keep_duplicates) that repeat a key."""
    out = []
    if isinstance(obj, dict):
        if DUP_KEY in obj:
            out.append("%s: %s" % (path, sorted(obj[DUP_KEY])))
        for k, v in obj.items():
            if k != DUP_KEY:
                out += find_duplicate_keys(v, "%s.%s" % (path, k))
    elif isinstance(obj, list) and obj and isinstance(obj[0], (dict, list)):
        for i, v in enumerate(obj):
            out += find_duplicate_keys(v, "%s[%d]" % (path, i))
            if out:
                break
    return out


class _Missing(object):
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


def _get(obj, key, where, errs):
    if isinstance(obj, dict) and key in obj:
        return obj[key]
    if isinstance(obj, list) and isinstance(key, int) and 0 <= key < len(obj):
        return obj[key]
    errs.append("%s: missing key %r" % (where, key))
    return MISSING


def _to_array(x):
    """JSON nested lists -> float64 array; null -> nan.  None if ragged/non-numeric."""
    def conv(e):
        if isinstance(e, list):
            return [conv(a) for a in e]
        if e is None:
            return float("nan")
        if isinstance(e, bool):
            raise TypeError
        if isinstance(e, (int, float)):
            return float(e)
        raise TypeError
    try:
        a = np.array(conv(x), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if a.dtype == object:
        return None
    return a


def _fmt(x):
    if isinstance(x, bool):
        return "true" if x else "false"    # as JSON writes it
    if isinstance(x, float):
        return "%.9g" % x
    return repr(x)


def _close_scalar(got, exp, atol, rtol=RTOL):
    """NaN/Inf in exp must be matched by null/NaN/Inf in got."""
    if got is None:
        got = float("nan")
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if not math.isfinite(exp):
        return not math.isfinite(got) and (math.isnan(exp) or math.isnan(got) or exp == got)
    if not math.isfinite(got):
        return False
    return abs(got - exp) <= atol + rtol * abs(exp)


def _cmp_scalar(errs, where, got, exp, atol, rtol=RTOL):
    if got is MISSING:
        return
    if not _close_scalar(got, float(exp), atol, rtol):
        errs.append("%s: expected %s got %s (tol %.3g)" % (where, _fmt(float(exp)), _fmt(got),
                                                            atol + rtol * abs(float(exp))
                                                            if math.isfinite(float(exp)) else 0.0))


def _cmp_array(errs, where, got, exp, atol, rtol=RTOL):
    """Elementwise comparison; got is JSON (nested lists)."""
    if got is MISSING:
        return
    exp = np.asarray(exp, dtype=np.float64)
    g = _to_array(got)
    if g is None:
        errs.append("%s: not a rectangular numeric array" % where)
        return
    if g.shape != exp.shape:
        if g.size == exp.size and exp.size > 0:
            errs.append("%s: shape %s, expected %s (comparing flattened)" % (where, list(g.shape),
                                                                          list(exp.shape)))
            g = g.reshape(exp.shape)
        else:
            errs.append("%s: shape %s, expected %s" % (where, list(g.shape), list(exp.shape)))
            return
    fe = np.isfinite(exp)
    fg = np.isfinite(g)
    tol = atol + rtol * np.where(fe, np.abs(exp), 0.0)
    with np.errstate(invalid="ignore"):
        bad = np.where(fe & fg, np.abs(g - exp) > tol, fe != fg)
    nbad = int(bad.sum())
    if nbad:
        idx = np.argwhere(bad)
        for ix in idx[:MAX_REPORT_PER_ARRAY]:
            t = tuple(int(a) for a in ix)
            errs.append("%s%s: expected %s got %s (tol %.3g)" % (
                where, list(t), _fmt(float(exp[t])), _fmt(float(g[t])), float(tol[t])))
        if nbad > MAX_REPORT_PER_ARRAY:
            errs.append("%s: ... %d of %d elements differ in all (max |diff| %.3g)" % (
                where, nbad, exp.size, float(np.nanmax(np.where(bad, np.abs(g - exp), 0.0)))))


def _scale(a):
    a = np.asarray(a, dtype=np.float64)
    f = a[np.isfinite(a)]
    return float(np.sqrt((f * f).mean())) if f.size else 0.0


def _drift(a64, a32):
    """Largest |float32 emulation - float64| over the finite elements (0 without a32)."""
    if a32 is None:
        return 0.0
    a64 = np.asarray(a64, dtype=np.float64)
    a32 = np.asarray(a32, dtype=np.float64)
    if a64.shape != a32.shape:
        return 0.0
    ok = np.isfinite(a64) & np.isfinite(a32)
    return float(np.abs(a64[ok] - a32[ok]).max()) if ok.any() else 0.0


def _tol(a64, a32=None):
    """atol for an array: ATOL_SCALE * its rms + DRIFT_FACTOR * float32 drift."""
    return ATOL_SCALE * _scale(a64) + DRIFT_FACTOR * _drift(a64, a32) + ATOL_TINY


def compare_stats(errs, where, got, values, skip=(), values32=None, maybe_zero=None):
    """Compare one JSON site-stats object against the stats of `values` [T, width].

    values32: the same site from forward(dtype=float32), if available; its
    element drift widens the tolerances (ill-conditioned cases) and its
    zero_frac widens the accepted zero_frac range.
    """
    st = site_stats(values)
    n = st["n"]
    rms = st["rms"] if math.isfinite(st["rms"]) else 0.0
    amax = st["absmax"] if math.isfinite(st["absmax"]) else 0.0
    drift = DRIFT_FACTOR * _drift(values, values32)
    a_rms = ATOL_SCALE * rms + drift + ATOL_TINY
    a_max = ATOL_SCALE * max(amax, rms) + drift + ATOL_TINY
    for k, atol in (("mean", a_rms), ("std", a_rms), ("rms", a_rms), ("min", a_max),
                    ("max", a_max), ("absmax", a_max)):
        if k in skip:
            continue
        _cmp_scalar(errs, where + "." + k, _get(got, k, where, errs), st[k], atol)
    for k in ("nan", "inf"):
        g = _get(got, k, where, errs)
        if g is not MISSING and g != st[k]:
            errs.append("%s.%s: expected %d got %s" % (where, k, st[k], _fmt(g)))
    g = _get(got, "zero_frac", where, errs)
    if g is not MISSING:
        if not isinstance(g, (int, float)) or isinstance(g, bool) or g is None:
            errs.append("%s.zero_frac: expected %s got %s" % (where, _fmt(st["zero_frac"]), _fmt(g)))
        else:
            v = np.asarray(values, dtype=np.float64)
            mz = np.abs(v) < FLOAT32_UNDERFLOW
            if maybe_zero is not None:
                mz = mz | maybe_zero
            tiny = int((mz & (v != 0)).sum())
            lo_z = st["zero_frac"] * n
            hi_z = lo_z + tiny
            if values32 is not None:
                z32 = float((np.asarray(values32) == 0).sum())
                lo_z, hi_z = min(lo_z, z32), max(hi_z, z32)
            slack = HIST_FRAC * n + ZERO_FRAC_SLACK
            if not (lo_z - slack <= g * n <= hi_z + slack):
                errs.append("%s.zero_frac: expected %s%s got %s (n=%d)" % (
                    where, _fmt(st["zero_frac"]),
                    " .. %s (float32 underflow/cancellation)" % _fmt(hi_z / n) if hi_z > lo_z else "",
                    _fmt(g), n))
    h = _get(got, "hist", where, errs) if "hist" not in skip else MISSING
    if h is not MISSING:
        hw = where + ".hist"
        _cmp_scalar(errs, hw + ".lo", _get(h, "lo", hw, errs), st["hist_lo"], a_max)
        _cmp_scalar(errs, hw + ".hi", _get(h, "hi", hw, errs), st["hist_hi"], a_max)
        c = _get(h, "counts", hw, errs)
        if c is not MISSING:
            ca = _to_array(c)
            if ca is None or ca.shape != (HIST_BINS,):
                errs.append("%s.counts: expected %d numbers, got %s" % (
                    hw, HIST_BINS, "shape %s" % (list(ca.shape),) if ca is not None else "non-numeric"))
            elif np.isnan(ca).any():
                errs.append("%s.counts: contains null" % hw)
            else:
                diff = int(np.abs(ca - st["counts"]).sum())
                allowed = HIST_FRAC * n + HIST_SLACK
                if drift > 0 and math.isfinite(st["hist_lo"]):
                    # values within the drift of a bin edge may land in either bin
                    fin = np.asarray(values, dtype=np.float64).ravel()
                    fin = fin[np.isfinite(fin)]
                    w = (st["hist_hi"] - st["hist_lo"]) / HIST_BINS
                    u = (fin - st["hist_lo"]) / w
                    near = np.abs(u - np.round(u)) * w < 2 * a_max
                    allowed += 2 * int(near.sum())
                if diff > allowed or int(ca.sum()) != n - st["nan"] - st["inf"]:
                    errs.append("%s.counts: sum|diff| %d > %.1f (got total %d, expected %d);"
                                " expected %s got %s" % (
                                    hw, diff, allowed, int(ca.sum()), n - st["nan"] - st["inf"],
                                    list(st["counts"]), [int(x) for x in ca]))
    if "token_rms" not in skip:
        tr = _get(got, "token_rms", where, errs)
        _cmp_array(errs, where + ".token_rms", tr, token_rms(values), a_rms)


def compare_config(errs, got_cfg, cfg):
    for k in CONFIG_DEFAULTS:
        g = _get(got_cfg, k, "config", errs)
        if g is MISSING:
            continue
        e = cfg[k]
        if k == "residual":
            try:
                ok = normalize_residual(g) == normalize_residual(e)
            except ValueError:
                ok = False
        elif k == "residual_scale":
            # DESIGN.md: printed as a number (not a string)
            ok = (isinstance(g, (int, float)) and not isinstance(g, bool) and
                  abs(float(g) - float(e)) <= 1e-6 * abs(float(e)))
        elif k in INTERVENTION_STR_FIELDS:
            # printed as strings: "none", "2", "1.3", "0.ffn_norm", "final_norm"
            ok = isinstance(g, str) and g == e
        elif k in FLOAT_FIELDS:
            try:
                ok = not isinstance(g, bool) and abs(float(g) - e) <= 1e-6 * abs(e)
            except (TypeError, ValueError):
                ok = False
        elif k in INT_FIELDS:
            try:
                ok = int(g) == int(e) and not isinstance(g, bool)
            except (TypeError, ValueError):
                ok = False
        else:
            ok = g == e
        if not ok:
            errs.append("config.%s: expected %s got %s" % (k, _fmt(e), _fmt(g)))


def _follow(tree, path):
    """tree[k0][k1]..., or None where the float32 diagnostic run is absent."""
    for k in path:
        if tree is None:
            return None
        tree = tree[k]
    return tree


def compare(run, ref, full=True, expected_config=None, ref32=None):
    """Compare a CLI/JS JSON run object against forward() output.

    run: parsed JSON (dict).  ref: forward(...) result (float64).
    full: also compare the --full arrays.
    expected_config: if given, the config the run was asked for (checked
    against run["config"]; otherwise ref["config"] is used).
    ref32: optional forward(..., dtype=np.float32) result; where float32 itself
    is ill-conditioned (huge activations, peaked softmax) its drift from
    float64, times DRIFT_FACTOR, is added to the tolerances.
    Returns a list of mismatch strings (empty when everything agrees).
    """
    errs = []
    cfg = ref["config"]
    if not isinstance(run, dict):
        return ["run JSON is not an object"]

    def r32(*path):
        return _follow(ref32, path)

    c = _get(run, "config", "run", errs)
    if c is not MISSING:
        compare_config(errs, c, canonical_config(expected_config) if expected_config else cfg)
    t = _get(run, "tokens", "run", errs)
    if t is not MISSING and (not isinstance(t, list) or list(t) != list(ref["tokens"])):
        errs.append("tokens: expected %s got %s" % (list(ref["tokens"]), t))
    layers = _get(run, "layers", "run", errs)
    if layers is not MISSING:
        if not isinstance(layers, list) or len(layers) != len(ref["layers"]):
            errs.append("layers: expected %d layers got %s" % (
                len(ref["layers"]), len(layers) if isinstance(layers, list) else type(layers).__name__))
            layers = layers if isinstance(layers, list) else []
        for i, (gl, rl) in enumerate(zip(layers, ref["layers"])):
            lw = "layer %d" % i
            sites = _get(gl, "sites", lw, errs)
            if sites is not MISSING:
                for s in SITES:
                    gs = _get(sites, s, lw + ".sites", errs)
                    if gs is not MISSING:
                        compare_stats(errs, "%s %s" % (lw, s), gs, rl["sites"][s],
                                      values32=r32("layers", i, "sites", s),
                                      maybe_zero=rl.get("maybe_zero", {}).get(s))
            norms = _get(gl, "norms", lw, errs)
            if norms is not MISSING:
                for nm in NORMS:
                    gn = _get(norms, nm, lw + ".norms", errs)
                    if gn is MISSING:
                        continue
                    rn = rl["norms"][nm]
                    nw = "%s norms.%s" % (lw, nm)
                    _cmp_array(errs, nw + ".mean", _get(gn, "mean", nw, errs), rn["mean"],
                               ATOL_SCALE * _scale(rn["input"]) + ATOL_TINY +
                               DRIFT_FACTOR * _drift(rn["mean"], r32("layers", i, "norms", nm, "mean")))
                    _cmp_array(errs, nw + ".divisor", _get(gn, "divisor", nw, errs), rn["divisor"],
                               _tol(rn["divisor"], r32("layers", i, "norms", nm, "divisor")))
                    # the distribution before the norm (under post-norm it is not a site)
                    gi = _get(gn, "input", nw, errs)
                    if gi is not MISSING:
                        compare_stats(errs, nw + ".input", gi, rn["input"], skip=("token_rms",),
                                      values32=r32("layers", i, "norms", nm, "input"))
            if not full:
                continue
            _cmp_array(errs, lw + " attn_probs", _get(gl, "attn_probs", lw, errs), rl["attn_probs"],
                       PROB_ATOL + DRIFT_FACTOR * _drift(rl["attn_probs"], r32("layers", i, "attn_probs")),
                       rtol=0.0)
            nv = _get(gl, "norm_vectors", lw, errs)
            if nv is not MISSING:
                for nm in NORMS:
                    gn = _get(nv, nm, lw + ".norm_vectors", errs)
                    if gn is MISSING:
                        continue
                    rn = rl["norms"][nm]
                    for part in ("input", "normalized", "output"):
                        w = "%s norm_vectors.%s.%s" % (lw, nm, part)
                        _cmp_array(errs, w, _get(gn, part, w, errs), rn[part],
                                   _tol(rn[part], r32("layers", i, "norms", nm, part)))
            names = ("q", "k", "q_rot", "k_rot") if cfg["pos"] == "rope" else ("q", "k")
            for nm in names:
                _cmp_array(errs, "%s %s" % (lw, nm), _get(gl, nm, lw, errs), rl[nm],
                           _tol(rl[nm], r32("layers", i, nm)))

    # final norm
    fn = _get(run, "final_norm", "run", errs)
    rf = ref["final_norm"]
    if fn is not MISSING:
        if fn is None:
            if ref["has_final_norm"]:
                errs.append("final_norm: null, expected a %s record (pre placement)" % cfg["norm"])
        elif rf is None:
            errs.append("final_norm: expected null (post placement has no final norm), got an object")
        elif not isinstance(fn, dict):
            errs.append("final_norm: expected an object or null, got %s" % type(fn).__name__)
        else:
            # pre placement: {"stats": {as a site}, "mean": [T], "divisor": [T]}
            stats = _get(fn, "stats", "final_norm", errs)
            if isinstance(stats, dict):
                compare_stats(errs, "final_norm", stats, rf["output"], values32=r32("final_norm", "output"))
            elif stats is not MISSING:
                errs.append("final_norm.stats: expected an object, got %s" % type(stats).__name__)
            _cmp_array(errs, "final_norm.mean", _get(fn, "mean", "final_norm", errs), rf["mean"],
                       ATOL_SCALE * _scale(rf["input"]) + ATOL_TINY +
                       DRIFT_FACTOR * _drift(rf["mean"], r32("final_norm", "mean")))
            _cmp_array(errs, "final_norm.divisor", _get(fn, "divisor", "final_norm", errs),
                       rf["divisor"], _tol(rf["divisor"], r32("final_norm", "divisor")))

    logits = ref["logits"]
    lscale = _tol(logits, r32("logits"))
    ntl = _get(run, "next_token_logits", "run", errs)
    _cmp_array(errs, "next_token_logits", ntl, logits[-1], lscale)

    top = _get(run, "top_next", "run", errs)
    if top is not MISSING:
        last = logits[-1]
        p = softmax_rows(last[None])[0]
        ptol = PROB_ATOL
        if ref32 is not None:
            ptol += DRIFT_FACTOR * _drift(p, softmax_rows(np.asarray(r32("logits"))[-1][None]
                                                          .astype(np.float64))[0])
        order = np.argsort(-last, kind="stable")
        if not isinstance(top, list) or len(top) != 5:
            errs.append("top_next: expected 5 entries got %s" % (
                len(top) if isinstance(top, list) else type(top).__name__))
        else:
            fifth = last[order[4]]
            prev = None
            for j, e in enumerate(top):
                w = "top_next[%d]" % j
                b = _get(e, "byte", w, errs)
                if b is MISSING or not isinstance(b, int) or isinstance(b, bool) or not (0 <= b < VOCAB):
                    if b is not MISSING:
                        errs.append("%s.byte: %r is not a byte" % (w, b))
                    continue
                if last[b] < fifth - 2 * lscale - RTOL * abs(fifth):
                    errs.append("%s: byte %d (ref logit %s) is not in the reference top 5 %s" % (
                        w, b, _fmt(float(last[b])), [int(o) for o in order[:5]]))
                if prev is not None and last[b] > last[prev] + 2 * lscale + RTOL * abs(last[prev]):
                    errs.append("%s: byte %d ranks after byte %d but has a larger logit" % (w, b, prev))
                prev = b
                _cmp_scalar(errs, w + ".logit", _get(e, "logit", w, errs), last[b], lscale)
                _cmp_scalar(errs, w + ".prob", _get(e, "prob", w, errs), p[b], ptol, rtol=0.0)
                ch = _get(e, "char", w, errs)
                if ch is not MISSING:
                    # DESIGN.md does not say what a lone non-ASCII/control byte shows
                    # as (the C writes null); printable ASCII must be the character
                    if ch is not None and not isinstance(ch, str):
                        errs.append("%s.char: expected a string or null got %s" % (w, _fmt(ch)))
                    elif 32 <= b < 127 and ch != chr(b):
                        errs.append("%s.char: expected %r for byte %d got %r" % (w, chr(b), b, ch))

    if full:
        ra = run.get("rope_angle", MISSING)
        if cfg["pos"] != "rope" and (ra is None or ra == [] or ra is MISSING):
            pass    # angles only matter under RoPE; an empty/absent array is fine
        else:
            _cmp_array(errs, "rope_angle", _get(run, "rope_angle", "run", errs), ref["rope_angle"],
                       ANGLE_ATOL)
        fv = _get(run, "final_norm_vectors", "run", errs)
        if fv is not MISSING:
            if fv is None or (isinstance(fv, (list, dict)) and len(fv) == 0):
                if ref["has_final_norm"]:
                    errs.append("final_norm_vectors: empty/null, expected input/normalized/output")
            elif rf is None:
                errs.append("final_norm_vectors: expected null/empty under post placement")
            else:
                for part in ("input", "normalized", "output"):
                    w = "final_norm_vectors.%s" % part
                    _cmp_array(errs, w, _get(fv, part, "final_norm_vectors", errs), rf[part],
                               _tol(rf[part], r32("final_norm", part)))
        _cmp_array(errs, "logits", _get(run, "logits", "run", errs), logits, lscale)
    compare_deeper(errs, run, ref, full=full, ref32=ref32)
    return errs


# ---------------------------------------------------------------- compare: looking deeper

COS_ATOL = 1e-5            # branch_cos lives in [-1, 1]; float32 vectors give ~1e-6
LENS_TIE_PROB = 1e-4       # lens top: positions whose top-2 probabilities are this close are ties


def _report_bad(errs, where, bad, describe):
    """bad: list of index tuples; describe(ix) -> message tail."""
    for ix in bad[:MAX_REPORT_PER_ARRAY]:
        errs.append("%s%s: %s" % (where, list(ix), describe(ix)))
    if len(bad) > MAX_REPORT_PER_ARRAY:
        errs.append("%s: ... %d elements differ in all" % (where, len(bad)))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _compare_lens_part(errs, where, got_top, got_prob, logits, logits32):
    """One lens reading (top, prob) against the reference's lens logits [L+1,T,256]."""
    logits = np.asarray(logits, dtype=np.float64)
    p = softmax_rows(logits)
    rtop = np.argmax(logits, axis=-1)
    ps = np.sort(p, axis=-1)
    gap = ps[..., -1] - ps[..., -2]
    ltol = _tol(logits, logits32)
    ptol = PROB_ATOL
    if logits32 is not None:
        ptol += DRIFT_FACTOR * _drift(p, softmax_rows(np.asarray(logits32, dtype=np.float64)))
    shape = logits.shape[:2]
    if got_top is MISSING:
        return
    ok_shape = (isinstance(got_top, list) and len(got_top) == shape[0] and
                all(isinstance(r, list) and len(r) == shape[1] for r in got_top))
    if not ok_shape:
        errs.append("%s.top: expected [[T=%d] x %d] bytes" % (where, shape[1], shape[0]))
        return
    bad = []
    use = rtop.copy()
    for l in range(shape[0]):
        for t in range(shape[1]):
            b = got_top[l][t]
            if not _is_int(b) or not (0 <= b < VOCAB):
                bad.append((l, t))
                continue
            use[l, t] = b
            if b == rtop[l, t]:
                continue
            # a tie under float32 rounding: top-2 probabilities within 1e-4, or
            # the reported byte's logit within the logits' tolerance of the top
            if gap[l, t] < LENS_TIE_PROB or logits[l, t, rtop[l, t]] - logits[l, t, b] <= 2 * ltol:
                continue
            bad.append((l, t))
    _report_bad(errs, where + ".top", bad, lambda ix: "expected byte %d (p %s) got %r (p %s)" % (
        rtop[ix], _fmt(float(p[ix][rtop[ix]])), got_top[ix[0]][ix[1]],
        _fmt(float(p[ix][use[ix]]))))
    want = np.take_along_axis(p, use[..., None], axis=-1)[..., 0]
    _cmp_array(errs, where + ".prob", got_prob, want, ptol, rtol=0.0)


def _compare_outliers(errs, where, got, cam, cam32, scale):
    """outliers [{channel, absmax, ratio, flagged} x4] against channel_absmax cam [d]."""
    if got is MISSING:
        return
    if not isinstance(got, list) or len(got) != OUTLIER_COUNT:
        errs.append("%s: expected %d entries got %s" % (
            where, OUTLIER_COUNT, len(got) if isinstance(got, list) else type(got).__name__))
        return
    cam = np.asarray(cam, dtype=np.float64)
    d = cam.size
    tol = ATOL_SCALE * scale + ATOL_TINY + DRIFT_FACTOR * _drift(cam, cam32)
    ranked = sorted(range(d), key=lambda c: (-cam[c], c))
    rvals = cam[ranked]
    med = max(float(np.median(cam)), MEDIAN_FLOOR)
    seen = []
    prev = None
    for j, e in enumerate(got):
        w = "%s[%d]" % (where, j)
        c = _get(e, "channel", w, errs)
        a = _get(e, "absmax", w, errs)
        r = _get(e, "ratio", w, errs)
        f = _get(e, "flagged", w, errs)
        rv = float(rvals[j])
        atol_j = tol + RTOL * rv
        if c is not MISSING:
            if not _is_int(c) or not (0 <= c < d):
                errs.append("%s.channel: %r is not a channel 0 ... %d" % (w, c, d - 1))
                c = MISSING
            elif c in seen:
                errs.append("%s.channel: %d listed twice" % (w, c))
            elif abs(cam[c] - rv) > 2 * atol_j:
                # not a tie under rounding: the wrong channel at this rank
                errs.append("%s.channel: expected %d (absmax %s) got %d (absmax %s)" % (
                    w, ranked[j], _fmt(rv), c, _fmt(float(cam[c]))))
            if c is not MISSING:
                seen.append(c)
        _cmp_scalar(errs, w + ".absmax", a, rv, tol)
        # ratio = absmax / median: relative errors of both add up
        rr = rv / med
        rtol_r = rr * (atol_j / max(rv, MEDIAN_FLOOR) + (tol + RTOL * med) / med) + RTOL * rr
        _cmp_scalar(errs, w + ".ratio", r, rr, rtol_r, rtol=0.0)
        if f is not MISSING:
            if not isinstance(f, bool):
                errs.append("%s.flagged: expected true/false got %s" % (w, _fmt(f)))
            elif isinstance(r, (int, float)) and not isinstance(r, bool) and f != (r >= OUTLIER_RATIO):
                errs.append("%s.flagged: %s but ratio %s (flagged means ratio >= %g)" % (
                    w, _fmt(f), _fmt(r), OUTLIER_RATIO))
        # equal absmax: the lower channel first
        if (prev is not None and c is not MISSING and _is_int(prev[0]) and
                isinstance(a, (int, float)) and a == prev[1] and c < prev[0]):
            errs.append("%s: channel %d ties channel %d and must come first" % (w, c, prev[0]))
        prev = (c, a)


def _compare_checks(errs, run, ref, full, ref32):
    ch = _get(run, "checks", "run", errs)
    if ch is MISSING:
        return
    if not isinstance(ch, dict):
        errs.append("checks: expected an object got %s" % type(ch).__name__)
        return
    ap = check_applies(ref["config"])
    mine = None
    if full:
        try:
            mine = checks(run)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            errs.append("checks: cannot recompute from the run's own numbers (%s: %s)" % (
                type(e).__name__, e))
    # the checks must pass on the float64 reference: else the definition (or
    # the reference) is wrong, whatever the CLI says
    r64 = ref_checks(ref)
    c32 = ref_checks(ref32, probs_f32=True) if ref32 is not None else None
    for n in CHECK_NAMES:
        w = "checks.%s" % n
        o = _get(ch, n, "checks", errs)
        if o is MISSING:
            continue
        tol = CHECK_TOLERANCES[n]
        if ap[n] and not r64[n]["worst"] <= tol:
            errs.append("%s: the float64 reference itself gives %s > %g" % (
                w, _fmt(r64[n]["worst"]), tol))
        a = _get(o, "applies", w, errs)
        wv = _get(o, "worst", w, errs)
        t = _get(o, "tolerance", w, errs)
        ok = _get(o, "ok", w, errs)
        if a is not MISSING and a is not ap[n]:
            errs.append("%s.applies: expected %s got %s" % (w, _fmt(ap[n]), _fmt(a)))
        if t is not MISSING and (not isinstance(t, (int, float)) or isinstance(t, bool) or
                                 abs(t - tol) > 1e-6 * tol):
            errs.append("%s.tolerance: expected %g got %s" % (w, tol, _fmt(t)))
        num = isinstance(wv, (int, float)) and not isinstance(wv, bool)
        if wv is not MISSING and wv is not None and not num:
            errs.append("%s.worst: expected a number or null got %s" % (w, _fmt(wv)))
        if ok is not MISSING:
            want_ok = bool(a is True and num and math.isfinite(wv) and wv <= tol)
            if ok is not want_ok:
                errs.append("%s.ok: %s, but applies=%s worst=%s tolerance=%g" % (
                    w, _fmt(ok), _fmt(a), _fmt(wv), tol))
        if not ap[n]:
            continue
        if c32 is not None and c32[n]["worst"] <= tol / CHECK_MARGIN and not (
                num and wv <= tol):
            errs.append("%s: worst %s fails, though a float32 run of the reference gives %s" % (
                w, _fmt(wv), _fmt(c32[n]["worst"])))
        if mine is None or not num:
            if mine is not None and wv is None:
                errs.append("%s.worst: null, recomputed %s" % (w, _fmt(mine[n]["worst"])))
            continue
        m = mine[n]["worst"]
        agree = abs(wv - m) <= max(CHECK_AGREE_RTOL * abs(m), CHECK_AGREE_ATOL)
        if not agree and n == "softmax_sum":
            # the attention rows are recomputed exactly; the next-byte part
            # only up to the C's own float32 rounding of probs it does not print
            rows = mine[n]["rows"]
            lo = rows - max(CHECK_AGREE_RTOL * rows, CHECK_AGREE_ATOL)
            hi = max(rows, mine[n]["probs"]) + CHECK_AGREE_ATOL + SOFTMAX_PROBS_SLACK
            agree = lo <= wv <= hi
        if not agree:
            errs.append("%s.worst: %s, recomputed from the run's own numbers %s" % (
                w, _fmt(wv), _fmt(m)))


def compare_deeper(errs, run, ref, full=True, ref32=None):
    """The keys of DESIGN.md "Looking deeper": per layer branch_cos,
    channel_absmax, outliers; logit_lens, baseline, checks; stream (--full)."""
    def r32(*path):
        return _follow(ref32, path)

    layers = run.get("layers")
    if isinstance(layers, list):
        for i, (gl, rl) in enumerate(zip(layers, ref["layers"])):
            lw = "layer %d" % i
            bc = _get(gl, "branch_cos", lw, errs)
            if bc is not MISSING:
                for j, nm in enumerate(("attn_out", "ffn_out")):
                    e32 = r32("layers", i, "branch_cos")
                    _cmp_array(errs, "%s branch_cos.%s" % (lw, nm),
                               _get(bc, nm, lw + ".branch_cos", errs), rl["branch_cos"][j],
                               COS_ATOL + DRIFT_FACTOR * _drift(rl["branch_cos"][j],
                                                                None if e32 is None else e32[j]),
                               rtol=0.0)
            scale = _scale(rl["sites"]["resid_out"])
            cam32 = r32("layers", i, "channel_absmax")
            _cmp_array(errs, lw + " channel_absmax", _get(gl, "channel_absmax", lw, errs),
                       rl["channel_absmax"],
                       ATOL_SCALE * scale + ATOL_TINY + DRIFT_FACTOR * _drift(rl["channel_absmax"],
                                                                              cam32))
            _compare_outliers(errs, lw + " outliers", _get(gl, "outliers", lw, errs),
                              rl["channel_absmax"], cam32, scale)

    # logit lens
    ll = _get(run, "logit_lens", "run", errs)
    lens = ref["lens"]
    if ll is not MISSING:
        if not isinstance(ll, dict):
            errs.append("logit_lens: expected an object got %s" % type(ll).__name__)
        else:
            fn = _get(ll, "final_norm", "logit_lens", errs)
            if fn is not MISSING and fn is not lens["final_norm"]:
                errs.append("logit_lens.final_norm: expected %s got %s" % (
                    _fmt(lens["final_norm"]), _fmt(fn)))
            _compare_lens_part(errs, "logit_lens", _get(ll, "top", "logit_lens", errs),
                               _get(ll, "prob", "logit_lens", errs), lens["logits"],
                               r32("lens", "logits"))
            rt = _get(ll, "raw_top", "logit_lens", errs)
            rp = _get(ll, "raw_prob", "logit_lens", errs)
            if lens["raw_logits"] is None:
                for k, v in (("raw_top", rt), ("raw_prob", rp)):
                    if v is not MISSING and v is not None:
                        errs.append("logit_lens.%s: expected null (no final norm is applied)" % k)
            elif rt is None or rp is None:
                errs.append("logit_lens.raw_top/raw_prob: null, expected the reading without "
                            "the final norm")
            else:
                _compare_lens_part(errs, "logit_lens.raw", rt, rp, lens["raw_logits"],
                                   r32("lens", "raw_logits"))

    # baseline: the same weights and text with every intervention off
    bl = _get(run, "baseline", "run", errs)
    base = ref["baseline"]
    if bl is not MISSING:
        if base is None:
            if bl is not None:
                errs.append("baseline: expected null (no intervention set) got %s" %
                            type(bl).__name__)
        elif not isinstance(bl, dict):
            errs.append("baseline: expected an object (an intervention is set) got %s" % _fmt(bl))
        else:
            bls = _get(bl, "layers", "baseline", errs)
            if bls is not MISSING:
                if not isinstance(bls, list) or len(bls) != len(base["layers"]):
                    errs.append("baseline.layers: expected %d layers" % len(base["layers"]))
                else:
                    for i, (gl, rl) in enumerate(zip(bls, base["layers"])):
                        w = "baseline layer %d" % i
                        sites = _get(gl, "sites", w, errs)
                        if sites is MISSING:
                            continue
                        for s in SITES:
                            gs = _get(sites, s, w + ".sites", errs)
                            if gs is not MISSING:
                                compare_stats(errs, "%s %s" % (w, s), gs, rl["sites"][s],
                                              skip=("token_rms", "hist"),
                                              values32=r32("baseline", "layers", i, "sites", s),
                                              maybe_zero=rl.get("maybe_zero", {}).get(s))
            bp = softmax_rows(np.asarray(base["logits"][-1], dtype=np.float64)[None])[0]
            b32 = r32("baseline", "logits")
            ptol = PROB_ATOL + (0.0 if b32 is None else DRIFT_FACTOR * _drift(
                bp, softmax_rows(np.asarray(b32[-1], dtype=np.float64)[None])[0]))
            _cmp_array(errs, "baseline.next_token_probs",
                       _get(bl, "next_token_probs", "baseline", errs), bp, ptol, rtol=0.0)

    _compare_checks(errs, run, ref, full, ref32)

    if full:
        st = _get(run, "stream", "run", errs)
        if st is not MISSING:
            L1 = ref["stream"].shape[0]
            if not isinstance(st, list) or len(st) != L1:
                errs.append("stream: expected %d rows ([T][d] each) got %s" % (
                    L1, len(st) if isinstance(st, list) else type(st).__name__))
            else:
                for l in range(L1):
                    # per row: the stream's size changes a lot with depth
                    _cmp_array(errs, "stream[%d]" % l, st[l], ref["stream"][l],
                               _tol(ref["stream"][l], r32("stream", l)))


# ---------------------------------------------------------------- self test

def _rot_single(vec, pos, theta, pairing):
    hd = vec.shape[-1]
    return apply_rope(vec.reshape(1, 1, hd), rope_angles(pos + 1, hd, theta)[pos:pos + 1],
                      pairing).reshape(hd)


def _selftest_model(rng, **over):
    """A small random model (γ, β random too, so a norm's affine part shows)."""
    base = {"n_layers": 3, "d_model": 16, "n_heads": 4, "d_ff": 24, "max_tokens": 16,
            "init_std": 0.3}
    base.update(over)
    cfg = canonical_config(base)
    tens = {}
    for k_, sh in expected_tensor_shapes(cfg).items():
        if k_.endswith("norm.weight"):
            tens[k_] = 1.0 + 0.3 * rng.standard_normal(sh)
        else:
            tens[k_] = rng.standard_normal(sh) * (0.5 if len(sh) == 1 else 0.3)
    # round to float32 as a checkpoint would hold them
    return cfg, {k_: v.astype(np.float32).astype(np.float64) for k_, v in tens.items()}


def _selftest_deeper(check, rng):
    toks = list("Héllo, wö!".encode("utf-8"))[:10]

    # ---- intervention parsing
    cfg, tens = _selftest_model(rng)
    for bad in ({"skip_layer": 3}, {"skip_layer": "-1"}, {"zero_head": "1.4"}, {"zero_head": "3"},
                {"remove_norm": "3.attn_norm"}, {"remove_norm": "0.norm"},
                {"residual_scale": 100.5}, {"residual_scale": -0.1}):
        try:
            parse_interventions(dict(cfg, **bad))
            check("intervention %s refused" % bad, False, "accepted")
        except ValueError as e:
            check("intervention %s refused, names the field" % bad, list(bad)[0] in str(e), e)
    for c_ in ({"placement": "post"}, {"norm": "none"}):
        try:
            parse_interventions(dict(cfg, remove_norm="final_norm", **c_))
            check("remove_norm=final_norm refused with %s" % c_, False, "accepted")
        except ValueError:
            check("remove_norm=final_norm refused with %s" % c_, True)
    c_ = canonical_config(dict(cfg, skip_layer=2, zero_head="1.3", remove_norm="0.ffn_norm",
                               residual_scale=2))
    check("canonical intervention strings", (c_["skip_layer"], c_["zero_head"], c_["remove_norm"],
                                             c_["residual_scale"]) == ("2", "1.3", "0.ffn_norm", 2.0), c_)
    check("metadata intervention fields are ignored",
          config_from_metadata({"n_layers": "3", "skip_layer": "1", "residual_scale": "2"})
          ["skip_layer"] == "none")

    # ---- semantics, each against an independent statement of it
    plain = forward(cfg, tens, toks)
    check("no intervention: baseline None", plain["baseline"] is None)
    check("stream rows are the block inputs/outputs",
          np.array_equal(plain["stream"][0], plain["layers"][0]["sites"]["resid_in"]) and
          all(np.array_equal(plain["stream"][l + 1], plain["layers"][l]["sites"]["resid_out"])
              for l in range(3)))
    r = forward(dict(cfg, skip_layer=1), tens, toks)
    check("skip_layer 1: resid_out = resid_in, stream[2] = stream[1]",
          np.array_equal(r["layers"][1]["sites"]["resid_out"], r["layers"][1]["sites"]["resid_in"])
          and np.array_equal(r["stream"][2], r["stream"][1]))
    check("skip_layer 1: the block still computes (its sites as plain)",
          np.allclose(r["layers"][1]["sites"]["ffn_out"], plain["layers"][1]["sites"]["ffn_out"]))
    check("skip_layer 1: baseline is the plain run",
          np.array_equal(r["baseline"]["logits"], plain["logits"]))
    rp = forward(dict(cfg, placement="post", skip_layer=2), tens, toks)
    check("skip_layer (post): ffn_norm keeps N2(...), resid_out = resid_in",
          np.array_equal(rp["layers"][2]["sites"]["resid_out"], rp["layers"][2]["sites"]["resid_in"])
          and not np.allclose(rp["layers"][2]["sites"]["ffn_norm"], rp["layers"][2]["sites"]["resid_in"]))
    # zero_head: attention is linear in the heads' outputs, so the four
    # single-head zeroings remove four parts that add up to attn_out
    parts = sum(plain["layers"][0]["sites"]["attn_out"] -
                forward(dict(cfg, zero_head="0.%d" % h), tens, toks)["layers"][0]["sites"]["attn_out"]
                for h in range(4))
    rz = forward(dict(cfg, zero_head="0.3"), tens, toks)
    check("zero_head: the heads' removed parts sum to attn_out",
          np.allclose(parts, plain["layers"][0]["sites"]["attn_out"], atol=1e-12))
    check("zero_head: attention probabilities still recorded",
          np.array_equal(rz["layers"][0]["attn_probs"], plain["layers"][0]["attn_probs"]))
    rr = forward(dict(cfg, remove_norm="1.attn_norm"), tens, toks)
    n = rr["layers"][1]["norms"]["attn_norm"]
    check("remove_norm: normalized = output = input, divisor 1, mean as usual",
          np.array_equal(n["normalized"], n["input"]) and np.array_equal(n["output"], n["input"]) and
          np.all(n["divisor"] == 1.0) and np.allclose(n["mean"], n["input"].mean(-1)))
    rf = forward(dict(cfg, remove_norm="final_norm"), tens, toks)
    check("remove_norm final_norm: logits = head(stream), lens without norm",
          np.allclose(rf["logits"], rf["stream"][-1] @ tens["output.weight"].T) and
          rf["lens"]["final_norm"] is False and rf["lens"]["raw_top"] is None and
          rf["has_final_norm"] and np.all(rf["final_norm"]["divisor"] == 1.0))
    r1 = forward(dict(cfg, residual_scale=1.0), tens, toks)
    check("residual_scale 1 is the plain model (no baseline)",
          np.array_equal(r1["logits"], plain["logits"]) and r1["baseline"] is None)
    r0 = forward(dict(cfg, residual_scale=0.0), tens, toks)
    check("residual_scale 0 (pre): resid_mid = attn_out",
          np.array_equal(r0["layers"][1]["sites"]["resid_mid"], r0["layers"][1]["sites"]["attn_out"]))
    ra = forward(dict(cfg, residual_scale=1.861, placement="post"), tens, toks)
    s_ = ra["layers"][0]["sites"]
    check("residual_scale (post): attn_norm input = α·x + attn_out",
          np.allclose(ra["layers"][0]["norms"]["attn_norm"]["input"],
                      1.861 * s_["resid_in"] + s_["attn_out"], atol=1e-14))
    roff = forward(dict(cfg, residual="off", residual_scale=0.5), tens, toks)
    check("residual_scale with residual off: no effect, baseline kept",
          np.array_equal(roff["logits"], forward(dict(cfg, residual="off"), tens, toks)["logits"])
          and roff["baseline"] is not None)
    check("lens: the last row is the model's prediction",
          np.array_equal(plain["lens"]["top"][-1], np.argmax(plain["logits"], -1)) and
          plain["lens"]["final_norm"] is True and plain["lens"]["raw_top"] is not None)
    check("branch_cos: cos(attn_out, x) by hand",
          abs(plain["layers"][1]["branch_cos"][0][3] -
              float(np.dot(plain["layers"][1]["sites"]["attn_out"][3], plain["stream"][1][3]) /
                    np.linalg.norm(plain["layers"][1]["sites"]["attn_out"][3]) /
                    np.linalg.norm(plain["stream"][1][3]))) < 1e-14)
    check("cos_rows is 0 against a zero vector",
          np.array_equal(cos_rows(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 2.0], [0.0, 0.0]])),
                         [0.0, 0.0]))
    check("channel_absmax over |values|, finite only",
          np.array_equal(channel_absmax(np.array([[-3.0, np.nan], [2.0, np.inf]])), [3.0, 0.0]))
    o = outliers(np.array([1.0, 50.0, 50.0, 0.5, 2.0, 3.0, 1.0, 1.0]))
    # sorted: .5 1 1 1 2 3 50 50 -> median (1 + 2)/2 = 1.5
    check("outliers: order, ties lower first, median of an even count",
          [c for c, _, _, _ in o] == [1, 2, 5, 4] and abs(o[0][2] - 50 / 1.5) < 1e-12 and
          o[0][3] and not o[2][3], o)
    check("outliers: median floor 1e-30", outliers(np.zeros(8))[0] == (0, 0.0, 0.0, False))
    rc = ref_checks(plain)
    check("checks on the float64 reference are ~0",
          all(v["applies"] and v["worst"] < 1e-12 for v in rc.values()), rc)

    # ---- compare(): clean on the reference itself and on a float32 run of it
    cases = [dict(), dict(skip_layer=0, zero_head="2.3", remove_norm="1.ffn_norm", residual_scale=1.861),
             dict(placement="post", norm="rmsnorm", pos="rope", rope_pairing="half", skip_layer=2,
                  residual_scale=0.5),
             dict(remove_norm="final_norm", activation="swiglu", pos="learned", norm="rmsnorm"),
             dict(norm="none", pos="sinusoidal", zero_head="0.0", residual="off", activation="relu"),
             dict(placement="post", remove_norm="0.attn_norm", residual_scale=0.0)]
    for over in cases:
        c_, t_ = _selftest_model(rng, **over)
        r64 = forward(c_, t_, toks)
        r32 = forward(c_, t_, toks, dtype=np.float32)
        e = compare(json.loads(json.dumps(fake_run_json(r64))), r64, expected_config=c_)
        check("compare(reference JSON) clean %s" % (over or "plain"), not e, e[:3])
        e = compare(json.loads(json.dumps(fake_run_json(r32))), r64, expected_config=c_, ref32=r32)
        check("compare(float32 run JSON) clean %s" % (over or "plain"), not e, e[:3])
        c32 = checks(fake_run_json(r32))
        check("  its checks are rounding-level and pass",
              all(v["worst"] <= CHECK_TOLERANCES[k] / CHECK_MARGIN
                  for k, v in c32.items() if v["applies"]), {k: v["worst"] for k, v in c32.items()})

    # ---- mutations: a wrong variant of each new quantity must be caught
    def caught(name, over, mutation=None, edit=None, want=()):
        c_, t_ = _selftest_model(np.random.default_rng(7), **over)
        r64 = forward(c_, t_, toks)
        r32 = forward(c_, t_, toks, dtype=np.float32)
        bad = fake_run_json(forward(c_, t_, toks, dtype=np.float32, mutation=mutation))
        if edit is not None:
            edit(bad, r32)
        e = compare(json.loads(json.dumps(bad)), r64, expected_config=c_, ref32=r32)
        hit = [s for s in e if any(w in s for w in want)]
        check("mutation caught: %s" % name, bool(hit), e[:3] or "no mismatch")

    caught("skip applied as zero", dict(skip_layer=1), "skip_as_zero", want=("stream[2]",))
    caught("α on the branch, not the skip", dict(residual_scale=1.861), "alpha_on_branch",
           want=("resid_mid",))
    caught("α on the branch (post)", dict(residual_scale=0.5, placement="post"), "alpha_on_branch",
           want=("attn_norm",))
    caught("zero_head after Wo", dict(zero_head="1.2"), "zero_head_after_wo",
           want=("layer 1 attn_out",))
    caught("removed norm keeps γ/β", dict(remove_norm="1.ffn_norm"), "removed_norm_keeps_affine",
           want=("norm_vectors.ffn_norm.output",))
    caught("cos against the block output", dict(), "cos_vs_output", want=("branch_cos.attn_out",))
    caught("absmax over signed values", dict(), "absmax_signed", want=("channel_absmax",))
    caught("outlier ratio against the mean", dict(), "outliers_mean", want=("outliers[0].ratio",))
    caught("lens without the final norm", dict(), "lens_no_final_norm", want=("logit_lens.prob",))
    caught("lens through a removed final norm", dict(remove_norm="final_norm"),
           "lens_removed_final_norm", want=("logit_lens.final_norm",))
    caught("lens rows shifted", dict(placement="post"), "lens_row_shift", want=("logit_lens",))
    caught("baseline from the intervened run", dict(zero_head="0.1"), "baseline_intervened",
           want=("baseline layer",))

    def no_eps(j, r32):
        # norm_rms that forgot ε: |rms(normalized) - 1|
        w = max(float(np.max(np.abs(np.sqrt((np.asarray(l["norms"][nm]["normalized"], np.float64) ** 2)
                                            .mean(-1)) - 1))) for l in r32["layers"] for nm in NORMS)
        j["checks"]["norm_rms"]["worst"] = w
    caught("norm_rms without ε", dict(), edit=no_eps, want=("checks.norm_rms.worst",))

    def swapped(j, r32):
        # rope_offset with the positions swapped: q at 0, k at t - s
        T = len(toks)
        hd = 4
        w = 0.0
        for l in r32["layers"]:
            q = np.asarray(l["q"], np.float64).reshape(T, 4, hd)
            k = np.asarray(l["k"], np.float64).reshape(T, 4, hd)
            qr = np.asarray(l["q_rot"], np.float64).reshape(T, 4, hd)
            kr = np.asarray(l["k_rot"], np.float64).reshape(T, 4, hd)
            ang = rope_angles(T, hd, 10000.0)[T - 1 - np.arange(T)]
            krel = apply_rope(k, ang, "interleaved")
            want = (q[T - 1][None] * krel).sum(-1)
            got = (qr[T - 1][None] * kr).sum(-1)
            sc = np.linalg.norm(q[T - 1], axis=-1)[None] * np.linalg.norm(k, axis=-1)
            w = max(w, float(np.max(np.abs(got - want) / sc)))
        j["checks"]["rope_offset"]["worst"] = w
    caught("rope_offset with positions swapped", dict(), edit=swapped,
           want=("checks.rope_offset.worst",))

    def ok_na(j, r32):
        j["checks"]["norm_mean"]["ok"] = True
    caught("ok on a check that does not apply", dict(norm="rmsnorm"), edit=ok_na,
           want=("checks.norm_mean.ok",))

    def not_ok(j, r32):
        j["checks"]["rope_norm"]["ok"] = False
    caught("ok false on a passing check", dict(), edit=not_ok, want=("checks.rope_norm",))

    def flag(j, r32):
        j["layers"][0]["outliers"][1]["flagged"] = not j["layers"][0]["outliers"][1]["flagged"]
    caught("flagged inconsistent with ratio", dict(), edit=flag, want=("outliers[1].flagged",))

    def order(j, r32):
        o = j["layers"][2]["outliers"]
        o[0], o[3] = o[3], o[0]
    caught("outliers out of order", dict(), edit=order, want=("outliers[0]",))

    def num_skip(j, r32):
        j["config"]["skip_layer"] = 1
    caught("skip_layer printed as a number", dict(skip_layer=1), edit=num_skip,
           want=("config.skip_layer",))

    def base_missing(j, r32):
        j["baseline"] = None
    caught("baseline null with an intervention set", dict(residual_scale=0.5), edit=base_missing,
           want=("baseline: expected an object",))

    def raw_present(j, r32):
        j["logit_lens"]["raw_top"] = j["logit_lens"]["top"]
    caught("raw lens where no final norm applies", dict(placement="post"), edit=raw_present,
           want=("logit_lens.raw_top",))

    def no_checks(j, r32):
        del j["checks"]
    caught("missing checks", dict(), edit=no_checks, want=("missing key 'checks'",))

    def no_cos(j, r32):
        del j["layers"][1]["branch_cos"]["ffn_out"]
    caught("missing branch_cos.ffn_out", dict(), edit=no_cos, want=("missing key 'ffn_out'",))


def selftest():
    fails = []

    def check(name, ok, detail=""):
        print("%-48s %s %s" % (name, "ok" if ok else "FAIL", "" if ok else detail))
        if not ok:
            fails.append(name)

    x = np.array([1.0, 2.0, 3.0, 4.0])
    ln = apply_norm("layernorm", x, np.ones(4), np.zeros(4), 1e-5)["output"]
    check("layernorm [1,2,3,4] eps 1e-5",
          np.allclose(ln, [-1.341635, -0.447212, 0.447212, 1.341635], atol=1e-6), ln)
    rn = apply_norm("rmsnorm", x, np.ones(4), None, 1e-6)["output"]
    check("rmsnorm [1,2,3,4] eps 1e-6",
          np.allclose(rn, [0.365148, 0.730297, 1.095445, 1.460593], atol=1e-6), rn)
    nn = apply_norm("none", x)
    check("norm none is identity, divisor 1",
          np.array_equal(nn["output"], x) and nn["divisor"] == 1.0 and nn["mean"] == 2.5)
    g = float(gelu_tanh(np.array(1.0)))
    check("gelu tanh(1) = 0.8411920", abs(g - 0.8411920) < 5e-8, "%.9f" % g)
    check("relu", np.array_equal(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0]))
    check("silu(1) = 1/(1+e^-1)", abs(float(silu(np.array(1.0))) - 0.7310585786) < 1e-9)

    rng = np.random.default_rng(0)
    for pairing in ("interleaved", "half"):
        hd = 8
        ok_rel = ok_norm = True
        for _ in range(20):
            q = rng.standard_normal(hd)
            k = rng.standard_normal(hd)
            m, n, t = (int(a) for a in rng.integers(0, 50, 3))
            s0 = _rot_single(q, m, 10000.0, pairing) @ _rot_single(k, n, 10000.0, pairing)
            s1 = _rot_single(q, m + t, 10000.0, pairing) @ _rot_single(k, n + t, 10000.0, pairing)
            ok_rel &= abs(s0 - s1) < 1e-9 * (1 + abs(s0))
            ok_norm &= abs(np.linalg.norm(_rot_single(q, m, 10000.0, pairing)) -
                           np.linalg.norm(q)) < 1e-12
        check("rope %s relative-position score" % pairing, ok_rel)
        check("rope %s preserves norm" % pairing, ok_norm)
    # explicit pairing layout: hd=4 position 1, theta: angle pair0 = 1 rad, pair1 = theta^-0.5
    q = np.array([1.0, 0.0, 0.0, 0.0])
    ri = _rot_single(q, 1, 100.0, "interleaved")
    rh = _rot_single(q, 1, 100.0, "half")
    check("rope interleaved pairs (0,1)", np.allclose(ri, [math.cos(1), math.sin(1), 0, 0]), ri)
    check("rope half pairs (0,2)", np.allclose(rh, [math.cos(1), 0, math.sin(1), 0]), rh)
    check("rope angle t*theta^(-2i/hd)",
          np.allclose(rope_angles(3, 4, 100.0)[2], [2.0, 2.0 * 100.0 ** -0.5]))
    pe = sinusoidal_pe(3, 4)
    check("sinusoidal PE", np.allclose(pe[2], [math.sin(2), math.cos(2), math.sin(2 / 100.0),
                                               math.cos(2 / 100.0)]))

    st = site_stats(np.array([[0.0, 1.0], [2.0, 3.0]]))
    check("site_stats basic", st["mean"] == 1.5 and abs(st["std"] - math.sqrt(1.25)) < 1e-15 and
          abs(st["rms"] - math.sqrt(3.5)) < 1e-15 and st["zero_frac"] == 0.25 and
          st["counts"][0] == 1 and st["counts"][63] == 1 and st["counts"][21] == 1 and
          st["counts"][42] == 1, st)
    st = site_stats(np.array([np.nan, np.inf, -np.inf, 2.0, 0.0]))
    check("site_stats non-finite", st["nan"] == 1 and st["inf"] == 2 and st["mean"] == 1.0 and
          st["zero_frac"] == 0.2 and st["counts"].sum() == 2 and st["hist_lo"] == 0.0)
    st = site_stats(np.full((2, 3), 5.0))
    check("site_stats min == max", st["hist_lo"] == 4.5 and st["hist_hi"] == 5.5 and
          st["counts"][32] == 6 and st["std"] == 0.0)
    st = site_stats(np.array([np.nan, np.inf]))
    check("site_stats no finite value", st["hist_lo"] == 0.0 and st["hist_hi"] == 0.0 and
          st["counts"].sum() == 0 and math.isnan(st["mean"]))
    check("token_rms", np.allclose(token_rms(np.array([[3.0, 4.0]])), [math.sqrt(12.5)]))

    # causal attention sanity: position 0 attends only to itself, rows sum to 1
    import os
    import tempfile
    cfg = config_from_metadata({"n_layers": "2", "d_model": "16", "n_heads": "2", "d_ff": "24",
                                "norm": "layernorm", "placement": "pre", "residual": "on",
                                "activation": "swiglu", "pos": "learned", "max_tokens": "8",
                                "init_std": "0.3"})
    shapes = expected_tensor_shapes(cfg)
    tens = {}
    for k_, sh in shapes.items():
        tens[k_] = rng.standard_normal(sh) * 0.3
    fd, path = tempfile.mkstemp(suffix=".safetensors")
    os.close(fd)
    try:
        save_safetensors(path, tens, {k_: (v if isinstance(v, str) else repr(v))
                                      for k_, v in cfg.items()})
        t2, meta = load_safetensors(path)
    finally:
        os.unlink(path)
    cfg2 = config_from_metadata(meta)
    check("safetensors round trip", set(t2) == set(tens) and
          all(np.allclose(t2[k_], tens[k_], rtol=1e-6, atol=1e-7) for k_ in tens) and cfg2 == cfg)
    r = forward(cfg2, t2, [72, 195, 169, 0, 255])
    P = r["layers"][0]["attn_probs"]
    check("attn probs causal and normalized", np.allclose(P.sum(-1), 1.0) and
          np.all(np.triu(P, 1) == 0) and np.allclose(P[:, 0, 0], 1.0))
    # a run JSON made from the reference itself must compare clean
    fake = fake_run_json(r)
    e = compare(json.loads(json.dumps(fake)), r)
    check("compare(reference-as-JSON) is clean", not e, e[:3])
    fake["layers"][1]["sites"]["ffn_out"]["std"] *= 1.01
    e = compare(fake, r)
    check("compare catches a 1% std error", len(e) == 1 and "layer 1 ffn_out.std" in e[0], e[:3])
    del fake["layers"][0]["norms"]["ffn_norm"]["divisor"]
    e = compare(fake, r)
    check("compare reports a missing key", any("missing key 'divisor'" in s for s in e), e[:3])

    # a repeated key is invisible to JSON.parse (it keeps the last): it is flagged
    run = json_loads_keep_duplicates('{"a": {"mean": 1, "mean": [2]}}')
    check("duplicate keys are found", find_duplicate_keys(run) == ["run.a: ['mean']"], find_duplicate_keys(run))

    _selftest_deeper(check, rng)

    print("selftest: %d failed" % len(fails))
    return 0 if not fails else 1


def _stats_json(values):
    st = site_stats(values)
    o = {k: (st[k] if math.isfinite(st[k]) else None) if isinstance(st[k], float) else st[k]
         for k in ("mean", "std", "rms", "min", "max", "absmax", "nan", "inf", "zero_frac")}
    o["hist"] = {"lo": st["hist_lo"], "hi": st["hist_hi"], "counts": [int(c) for c in st["counts"]]}
    o["token_rms"] = token_rms(values).tolist()
    return o


def fake_run_json(r):
    """Render forward() output in the DESIGN.md JSON schema (--full).  For tests."""
    cfg = r["config"]
    out = {"config": dict(cfg), "weights": "file", "tokens": list(r["tokens"]), "layers": []}
    for rl in r["layers"]:
        lj = {"sites": {s: _stats_json(rl["sites"][s]) for s in SITES},
              "norms": {n: {"mean": rl["norms"][n]["mean"].tolist(),
                            "divisor": rl["norms"][n]["divisor"].tolist(),
                            "input": {k: v for k, v in _stats_json(rl["norms"][n]["input"]).items()
                                      if k != "token_rms"}} for n in NORMS},
              "attn_probs": rl["attn_probs"].tolist(),
              "norm_vectors": {n: {p: rl["norms"][n][p].tolist()
                                   for p in ("input", "normalized", "output")} for n in NORMS},
              "q": rl["q"].tolist(), "k": rl["k"].tolist()}
        if cfg["pos"] == "rope":
            lj["q_rot"] = rl["q_rot"].tolist()
            lj["k_rot"] = rl["k_rot"].tolist()
        lj["branch_cos"] = {"attn_out": rl["branch_cos"][0].tolist(),
                            "ffn_out": rl["branch_cos"][1].tolist()}
        lj["channel_absmax"] = rl["channel_absmax"].tolist()
        lj["outliers"] = [{"channel": c, "absmax": a, "ratio": q, "flagged": bool(f)}
                          for c, a, q, f in rl["outliers"]]
        out["layers"].append(lj)
    f = r["final_norm"]
    if f is not None and r["has_final_norm"]:
        fj = {"stats": _stats_json(f["output"])}
        fj["mean"] = f["mean"].tolist()
        fj["divisor"] = f["divisor"].tolist()
        out["final_norm"] = fj
        out["final_norm_vectors"] = {p: f[p].tolist() for p in ("input", "normalized", "output")}
    else:
        out["final_norm"] = None
        out["final_norm_vectors"] = None
    last = r["logits"][-1]
    p = softmax_rows(last[None])[0]
    out["next_token_logits"] = last.tolist()
    out["top_next"] = [{"byte": int(b), "char": chr(b) if b < 128 else "", "logit": float(last[b]),
                        "prob": float(p[b])} for b in np.argsort(-last, kind="stable")[:5]]
    out["rope_angle"] = r["rope_angle"].tolist()
    out["logits"] = r["logits"].tolist()
    lens = r["lens"]
    out["logit_lens"] = {"final_norm": lens["final_norm"],
                         "top": lens["top"].tolist(), "prob": lens["prob"].tolist(),
                         "raw_top": None if lens["raw_top"] is None else lens["raw_top"].tolist(),
                         "raw_prob": None if lens["raw_prob"] is None else lens["raw_prob"].tolist()}
    b = r["baseline"]
    if b is None:
        out["baseline"] = None
    else:
        out["baseline"] = {
            "layers": [{"sites": {s: {k: v for k, v in _stats_json(bl["sites"][s]).items()
                                      if k not in ("hist", "token_rms")} for s in SITES}}
                       for bl in b["layers"]],
            "next_token_probs": softmax_rows(np.asarray(b["logits"][-1], np.float64)[None])[0].tolist()}
    out["stream"] = r["stream"].tolist()
    # the checks as the C would report them: recomputed from this JSON's numbers
    out["checks"] = check_json(checks(out))
    return out


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "selftest":
        sys.exit(selftest())
    print(__doc__)
    sys.exit(2)
