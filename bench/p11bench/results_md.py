#!/usr/bin/env python3
# Joins the three p11bench runs (ours, softhsm, openssl .tsv in a work directory) into bench/RESULTS.md: machine
# facts, one table per group with ratios ours/SoftHSMv2 and ours/OpenSSL, and the goals of issue 7 judged met / not
# met from this one run. Called by bench/run.sh; prints Markdown on stdout.
import sys
from pathlib import Path

work, find_n, rss_n = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
COLS = ("ours", "softhsm", "openssl")
TITLES = {"ours": "ours (cf-pkcs11)", "softhsm": "SoftHSMv2", "openssl": "OpenSSL EVP"}


def load_one(path):
    rows, notes, wall = {}, [], None
    for line in path.read_text().splitlines():
        if line.startswith("# failed:"):
            notes.append(line[2:])
        elif line.startswith("# wall_seconds"):
            wall = int(line.split()[-1])
        elif line and not line.startswith("#"):
            f = line.split("\t")
            if len(f) == 6:
                rows[f[0]] = {"status": f[1], "ops": f[2], "median": f[3], "p99": f[4], "note": f[5]}
    return rows, notes, wall


def middle_round(candidates):
    """Of one row's results from several rounds, the one with the middle median latency (all of its figures)."""
    timed = [r for r in candidates if r["status"] == "ok"]
    if len(timed) < 2:
        return candidates[0]
    timed.sort(key=lambda r: float(r["median"]))
    return dict(timed[(len(timed) - 1) // 2], rounds=len(timed))


def load(name):
    """The full run (name.tsv) joined with its extra rounds (name.rN.tsv): each row from its middle round."""
    path = work / f"{name}.tsv"
    if not path.exists():
        return {}, ["did not run"], None
    runs = [load_one(path)] + [load_one(p) for p in sorted(work.glob(f"{name}.r*.tsv"))]
    rows = {bid: middle_round([run[0][bid] for run in runs if bid in run[0]]) for bid in runs[0][0]}
    notes = [n for run in runs for n in run[1]]
    wall = sum(run[2] or 0 for run in runs)
    return rows, notes, wall


def certification_section(path):
    """Certification on C_Login (issue 14): ours only, beside one RSA-2048 C_Sign of the same run and token."""
    if not path.exists():
        return []
    rows, notes, wall = load_one(path)
    out = ["## Certification on C_Login (issue 14, ours only; this run)", "",
           f"`bench/p11bench/cert_bench.sh`: one token, two cf-certifier processes on 127.0.0.1, {wall or '?'} s wall"
           + (f"; {'; '.join(notes)}" if notes else "") + ". Each cell is ops/s · median · p99; `_cpu` rows are "
           "the calling thread's CPU time.", "", "| benchmark | ours (cf-pkcs11) | note |", "|---|---|---|"]
    for bid, r in rows.items():
        if r["status"] == "ok":
            shown = f"{float(r['ops']):,.0f}/s · {fmt_us(r['median'])} · {fmt_us(r['p99'])}"
        elif r["status"] == "value":
            shown = f"{float(r['ops']):.2f}"
        else:
            shown = "n/a"
        out.append(f"| {bid} | {shown} | {r['note']} |")

    def value(bid):
        r = rows.get(bid)
        return float(r["ops"]) if r and r["status"] == "value" else None

    out += ["", "| goal (issue 14) | measured | target | verdict |", "|---|---|---|---|"]
    for text, bid, target, ok in [
            ("cached C_Login minus the certification-off login, in RSA-2048 signatures (CPU time)",
             "cert_login_cached_per_sign", "≤ 5×", lambda v: v <= 5),
            ("full certification (required) minus the certification-off login, in RSA-2048 signatures (wall)",
             "cert_login_required_per_sign", "≤ 100×", lambda v: v <= 100),
            ("RSA-2048 signing throughput while renewing / without (median of rounds)",
             "cert_renewing_throughput_ratio", "≥ 0.9×", lambda v: v >= 0.9)]:
        v = value(bid)
        verdict = "not measured" if v is None else ("met" if ok(v) else "not met")
        out.append(f"| {text} | {f'{v:.2f}×' if v is not None else '—'} | {target} | {verdict} |")
    return out + [""]


data = {c: load(c) for c in COLS}
facts = dict(l.split("=", 1) for l in (work / "facts.txt").read_text().splitlines() if "=" in l)


def num(col, bid, field="ops"):
    r = data[col][0].get(bid)
    if not r or r["status"] not in ("ok", "value"):
        return None
    try:
        return float(r[field])
    except ValueError:
        return None


def cell(col, bid):
    r = data[col][0].get(bid)
    if r is None:
        return "—"
    if r["status"] == "n/a":
        reason = r["note"].split(": ")[-1] if "CKR_" in r["note"] else r["note"]
        return f"n/a ({reason})"
    if r["status"] == "value":
        return f"{float(r['ops']):.1f} MiB"
    mark = " ᵐ" if r.get("rounds", 1) > 1 else ""
    return f"{float(r['ops']):,.0f}/s · {fmt_us(r['median'])} · {fmt_us(r['p99'])}{mark}"


def fmt_us(v):
    v = float(v)
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.1f} µs"


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "—"


GROUPS = [
    ("Signing (32-byte message; ECDSA over its digest)",
     ["sign_rsa2048_pkcs1", "sign_rsa2048_pss", "sign_ecdsa_p256", "sign_ecdsa_p384", "sign_ed25519"]),
    ("Verify, decrypt, derive", ["verify_rsa2048_pkcs1", "verify_ecdsa_p256", "decrypt_rsa2048_oaep",
                                 "derive_ecdh_p256"]),
    ("Symmetric and hashing (single-part)", ["encrypt_aes_gcm_1k", "encrypt_aes_gcm_1m", "encrypt_aes_cbc_1m",
                                             "digest_sha256_1m", "mac_hmac_sha256_1k"]),
    ("Key generation (token objects for the modules)", ["keygen_rsa2048", "keygen_ec_p256"]),
    ("Threads: total ops/s over wall time, one session per thread, one shared key",
     ["threads1_sign_ecdsa_p256", "threads2_sign_ecdsa_p256", "threads1_sign_rsa2048", "threads2_sign_rsa2048"]),
]
all_ids = []
for c in COLS:
    for bid in data[c][0]:
        if bid not in all_ids:
            all_ids.append(bid)
grouped = {b for _, ids in GROUPS for b in ids}
GROUPS.append(("Token: sessions, login, objects (latency is what the goals judge)",
               [b for b in all_ids if b not in grouped]))

out = ["# p11bench results", "",
       "Written by `bench/run.sh` from one run; each cell is ops/s · median · p99 latency. Ratios are of ops/s "
       "(above 1: ours is faster). The machine is shared with other work, so single figures move by ±20%: the "
       f"crypto rows of ours and OpenSSL ran in {facts.get('rounds', '1')} alternating rounds and each shows the "
       "round with the middle median (marked ᵐ).", "",
       "## Machine", ""]
for k in ("date", "nproc", "cpu", "kernel", "openssl", "softhsm", "commit", "loadavg", "duration", "rounds",
          "module"):
    out.append(f"- {k}: {facts.get(k, '?')}")
for c in COLS:
    rows, notes, wall = data[c]
    extra = f"; {'; '.join(notes)}" if notes else ""
    out.append(f"- {TITLES[c]} run: {len(rows)} rows, {wall or '?'} s wall{extra}")
out.append("")
for title, ids in GROUPS:
    ids = [b for b in ids if b in all_ids]
    if not ids:
        continue
    out += [f"## {title}", "", "| benchmark | " + " | ".join(TITLES[c] for c in COLS) +
            " | ours/SoftHSMv2 | ours/OpenSSL |", "|---|---|---|---|---|---|"]
    for b in ids:
        o, s, x = (num(c, b) for c in COLS)
        out.append(f"| {b} | " + " | ".join(cell(c, b) for c in COLS) + f" | {ratio(o, s)} | {ratio(o, x)} |")
    out.append("")

# Goals of issue 7, judged on this run only.
goals = []


def goal(text, value, target, ok):
    goals.append((text, value, target, "met" if ok else ("not met" if ok is not None else "not measured")))


def r_ops(b, ref):
    o, r = num("ours", b), num(ref, b)
    return o / r if o is not None and r else None


def r_median(b, ref):
    # Speed from median latencies (ref median / ours): the columns run one after the other on a shared machine,
    # and ops/s counts every preemption by other work while the median does not.
    o, r = num("ours", b, "median"), num(ref, b, "median")
    return r / o if o and r is not None else None


for b, t in [("sign_rsa2048_pkcs1", 0.95), ("sign_rsa2048_pss", 0.95), ("sign_ecdsa_p256", 0.95),
             ("sign_ecdsa_p384", 0.95), ("sign_ed25519", 0.95), ("encrypt_aes_gcm_1k", 0.5),
             ("encrypt_aes_gcm_1m", 0.9)]:
    v, w = r_median(b, "openssl"), r_ops(b, "openssl")
    shown = f"{v:.2f}× (ops/s {w:.2f}×)" if v and w else "—"
    goal(f"{b} vs OpenSSL (median)", shown, f"≥ {t}×", v >= t if v else None)
for alg in ["ecdsa_p256", "rsa2048"]:
    sp = {}
    for c in ("ours", "openssl"):
        a, b2 = num(c, f"threads1_sign_{alg}"), num(c, f"threads2_sign_{alg}")
        sp[c] = b2 / a if a and b2 else None
    v = sp["ours"] / sp["openssl"] if sp["ours"] and sp["openssl"] else None
    shown = {c: f"{sp[c]:.2f}×" if sp[c] else "—" for c in sp}
    goal(f"2-thread speedup {alg} (ours {shown['ours']}, OpenSSL {shown['openssl']})",
         f"{v:.2f}" if v else "—", "≥ 0.95 of OpenSSL's", v >= 0.95 if v else None)


def t_ratio(b, ref="softhsm"):
    o, r = num("ours", b, "median"), num(ref, b, "median")
    return o / r if o is not None and r else None


v = t_ratio(f"find_label_at_{find_n}")
goal(f"find by label among {find_n}: time ours/SoftHSMv2", f"{v:.4f}" if v is not None else "—", "≤ 0.01",
     v <= 0.01 if v is not None else None)
for op in ("create_object", "destroy_object"):
    a, b2 = num("ours", f"{op}_at_100", "median"), num("ours", f"{op}_at_{find_n}", "median")
    v = b2 / a if a and b2 else None
    goal(f"{op} at {find_n} / at 100 (ours, median)", f"{v:.2f}" if v else "—", "≤ 1.5", v <= 1.5 if v else None)
v = r_ops(f"create_object_at_{find_n}", "softhsm")
goal(f"durable C_CreateObject at {find_n}: speed ours/SoftHSMv2", f"{v:.1f}×" if v else "—", "≥ 5×",
     v >= 5 if v else None)
v = t_ratio(f"cold_start_at_{find_n}")
goal(f"fresh process C_Initialize + C_Login + first find at {find_n}: time ours/SoftHSMv2",
     f"{v:.3f}" if v is not None else "—", "≤ 0.2", v <= 0.2 if v is not None else None)
v = num("ours", f"peak_rss_at_{rss_n}")
goal(f"peak RSS with {rss_n} objects (ours)", f"{v:.1f} MiB" if v is not None else "—", "≤ 64 MiB",
     v <= 64 if v is not None else None)

out += ["## Goals of issue 7 (this run)", "", "| goal | measured | target | verdict |", "|---|---|---|---|"]
out += [f"| {g[0]} | {g[1]} | {g[2]} | {g[3]} |" for g in goals]
out.append("")
out += certification_section(work / "certification.tsv")
notes = Path(__file__).resolve().parent / "results_notes.md"
if notes.exists():
    out += [notes.read_text()]
# Another engineer's section of RESULTS.md (the Certifier Service benchmark) is kept as it was, up to the next
# top-level section.
previous = work / "previous.md"
if previous.exists():
    kept, keep = [], False
    for line in previous.read_text().splitlines():
        if line.startswith("## "):
            keep = line.startswith("## Certifier Service")
        if keep:
            kept.append(line)
    if kept:
        out += [""] + kept
print("\n".join(out))
