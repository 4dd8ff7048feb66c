#!/usr/bin/python3
"""Print the issue-7 target table from the raw figures bench/run.sh wrote.

  report.py RESULTS.tsv

Input: one figure per line, "tool<TAB>key<TAB>value" (see bench/lib/measure.sh). Output: one
Markdown table, a row per target of the issue, a column per tool, the target computed from the
peers and floors of the same run, and whether ours meets it. Wall times include the sync of the
repository (backups) or of the restored file/volume (restores). MB = 10^6 B.
"""
import sys
from collections import defaultdict

TOOLS = ["ours", "restic", "borg", "cinder-zlib", "floor"]
MIB = 1 << 20


def load(path):
    figures = defaultdict(dict)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                figures[parts[0]][parts[1]] = parts[2]
    return figures


class Run:
    def __init__(self, figures):
        self.f = figures
        self.bytes = int(figures["run"]["image_bytes"])

    def num(self, tool, key):
        try:
            return float(self.f[tool][key])
        except (KeyError, ValueError):
            return None

    def wall(self, tool, step):
        """Wall seconds of a step plus its sync, or None when the step did not run."""
        s = self.num(tool, step + "_s")
        if s is None:
            return None
        return s + (self.num(tool, step + "_sync_s") or 0.0)

    def mbps(self, tool, step):
        w = self.wall(tool, step)
        return None if not w else self.bytes / 1e6 / w

    def failed(self, tool, step):
        return self.f[tool].get(step + "_failed")


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}"


def cell(run, tool, step, value, extra=""):
    """A measured value, 'FAILED' when the step failed, '-' when the tool did not run."""
    why = run.failed(tool, step)
    if why:
        return "FAILED"
    return fmt(value) + extra if value is not None else "-"


def verdict(ok):
    if ok is None:
        return "-"
    return "met" if ok else "**missed**"


def min_defined(*vals):
    vals = [v for v in vals if v is not None]
    return min(vals) if vals else None


def rows(run):
    out = []
    peers = ["restic", "borg", "cinder-zlib"]

    def cpu(tool, step):
        return run.num(tool, step + "_cpu_s")

    # full backup MB/s
    full = {t: run.mbps(t, "full") for t in TOOLS}
    cells = {t: cell(run, t, "full", full[t]) + (
        f" ({fmt(run.wall(t, 'full'), 2)} s, {fmt(cpu(t, 'full'), 1)} CPU s)"
        if full[t] else "") for t in TOOLS}
    peer_goal = None
    if full["restic"] and full["cinder-zlib"]:
        peer_goal = max(2 * full["restic"], 8 * full["cinder-zlib"])
    floor_goal = 0.9 * full["floor"] if full["floor"] else None
    goal = min_defined(peer_goal, floor_goal)
    out.append(("full backup MB/s (wall s, CPU s)", cells,
                f">= 2x restic and >= 8x Cinder ({fmt(peer_goal, 0)}), or >= 90% of the floor "
                f"({fmt(floor_goal, 0)}) if lower: >= {fmt(goal, 0)}",
                verdict(None if goal is None or full["ours"] is None else full["ours"] >= goal)))

    # restore MB/s
    rest = {t: run.mbps(t, "restore") for t in TOOLS}
    cells = {t: cell(run, t, "restore", rest[t]) + (
        f" ({fmt(run.wall(t, 'restore'), 2)} s, {run.f[t].get('restore_verify', '')})"
        if rest[t] and t != "floor" else "") for t in TOOLS}
    peer_goal = 2 * rest["restic"] if rest["restic"] else None
    floor_goal = 0.9 * rest["floor"] if rest["floor"] else None
    goal = min_defined(peer_goal, floor_goal)
    ok = None
    if goal is not None and rest["ours"] is not None:
        ok = rest["ours"] >= goal and run.f["ours"].get("restore_verify") == "OK"
    xfs = run.mbps("floor", "restore_xfs")
    if xfs:
        cells["floor"] += f" (into the volumes' XFS: {fmt(xfs)})"
    out.append(("restore MB/s (wall s, sha256 of the restored incremental)", cells,
                f">= 2x restic ({fmt(peer_goal, 0)}), or >= 90% of the floor "
                f"({fmt(floor_goal, 0)}) if lower: >= {fmt(goal, 0)}", verdict(ok)))

    # incremental time and bytes
    incr = {t: run.wall(t, "incr") for t in peers + ["ours"]}
    cells = {t: cell(run, t, "incr", incr.get(t), "") + (
        f" ({fmt(cpu(t, 'incr'), 1)} CPU s)" if incr.get(t) else "") for t in TOOLS}
    cells["floor"] = ""
    goal = 0.5 * incr["restic"] if incr["restic"] else None
    out.append(("incremental, 1% scattered 4 KiB writes, no changed-extent info: s", cells,
                f"<= 0.5x restic: <= {fmt(goal, 2)} s",
                verdict(None if goal is None or incr["ours"] is None else incr["ours"] <= goal)))
    added = {t: run.num(t, "incr_added_bytes") for t in peers + ["ours"]}
    cells = {t: cell(run, t, "incr", added[t] / 1e6 if added.get(t) is not None else None)
             for t in peers + ["ours"]}
    cells["floor"] = "(10.7 MB changed)"
    goal = 1.5 * added["cinder-zlib"] / 1e6 if added["cinder-zlib"] else None
    out.append(("incremental stored MB (repository growth)", cells,
                f"<= 1.5x Cinder: <= {fmt(goal, 1)} MB",
                verdict(None if goal is None or added["ours"] is None
                        else added["ours"] / 1e6 <= goal)))
    cx = run.wall("ours", "incr_cx")
    read = run.num("ours", "incr_cx_read_bytes")
    verify = run.f.get("ours", {}).get("incr_cx_verify", "")
    out.append(("incremental with changed-extent info: s (MB backupd read, restore check)",
                {"ours": cell(run, "ours", "incr_cx", cx) + (
                    f" ({fmt(read / 1e6, 1)} MB read, {verify or '?'})" if read is not None
                    else "")},
                "< 1 s for 1 GiB",
                verdict(None if cx is None else cx < 1.0 and verify == "OK")))

    # peak RSS
    rss = {}
    cells = {}
    for t in TOOLS:
        vals = [run.num(t, s + "_rss_kb") for s in ("full", "incr", "restore")]
        rss[t] = vals
        cells[t] = " / ".join(fmt(v / 1024 if v is not None else None, 0) for v in vals)
    ours_max = max((v for v in rss["ours"] if v is not None), default=None)
    gib = run.bytes >> 30
    out.append((f"peak RSS MiB at {gib} GiB, full / incr / restore "
                "(ours: backupd VmHWM; peers: largest process)", cells,
                "<= 150 MiB each",
                verdict(None if ours_max is None else ours_max / 1024 <= 150)))
    sparse_gib = run.f["run"].get("sparse_gib", "?")
    # The 1, 4 and 16 GiB points: the dense 1 GiB full above, then sparse volumes of each
    # size holding the same image (steps sparse_<N>g), and the large sparse volume (step sparse).
    steps = [(g, f"sparse_{g}g") for g in run.f["run"].get("rss_sparse_gib", "").split(",") if g]
    steps.append((sparse_gib, "sparse"))
    steps = [(g, st) for g, st in steps if st + "_s" in run.f["ours"] or run.failed("ours", st)]
    if steps:
        srss = [run.num("ours", st + "_rss_kb") for _, st in steps]
        txt = " / ".join(cell(run, "ours", st, v / 1024 if v else None, "") for (_, st), v
                         in zip(steps, srss))
        walls = [run.wall("ours", st) for _, st in steps]
        if all(w is not None for w in walls):
            txt += " (" + " / ".join(fmt(w, 2) for w in walls) + " s)"
        ok = None
        if all(v is not None for v in srss):
            ok = max(srss) / 1024 <= 150
        out.append(("peak RSS MiB (wall s), full backup of sparse volumes of "
                    + " / ".join(f"{g}" for g, _ in steps) + f" GiB ({gib} GiB data each)",
                    {"ours": txt}, "<= 150 MiB each", verdict(ok)))

    # sparse vs dense
    sw, dw = run.wall("ours", "sparse"), run.wall("ours", "full")
    ratio = sw / dw if sw and dw else None
    txt = cell(run, "ours", "sparse", sw)
    if ratio:
        txt = f"{fmt(sw, 2)} s vs {fmt(dw, 2)} s dense = {ratio:.2f}x"
    out.append((f"{sparse_gib} GiB sparse with {gib} GiB data vs dense {gib} GiB, full backup time",
                {"ours": txt, "restic": "not run (would read it all from stdin)",
                 "borg": "not run (same)", "cinder-zlib": "not run (reads every byte)"},
                "<= 1.5x", verdict(None if ratio is None else ratio <= 1.5)))
    # encryption: pairs of fulls of the same image through backupd, each right after a restart
    # into a new container, plain then encrypted (backup_master_key_file); the best round of each.
    rounds = int(run.num("ours", "enc_rounds") or 0)

    def best(kind):
        walls = [(run.wall("ours", f"{kind}_full_{i}"), cpu("ours", f"{kind}_full_{i}"))
                 for i in range(1, rounds + 1)]
        walls = [(w, c) for w, c in walls if w is not None]
        return min(walls) if walls else (None, None)

    (ew, ec), (pw, pc) = best("enc"), best("plain")
    txt = "FAILED" if run.failed("ours", "enc_full_1") else "-"
    ok = None
    if ew and pw:
        txt = (f"best of {rounds}: {fmt(ew, 2)} s vs {fmt(pw, 2)} s = "
               f"{100 * (ew / pw - 1):+.1f}% wall")
        if ec and pc:
            txt += f"; {fmt(ec, 1)} vs {fmt(pc, 1)} CPU s = {100 * (ec / pc - 1):+.1f}% CPU"
        each = [f"{fmt(run.wall('ours', f'plain_full_{i}'), 2)}/"
                f"{fmt(run.wall('ours', f'enc_full_{i}'), 2)}" for i in range(1, rounds + 1)]
        txt += " (rounds plain/enc s: " + ", ".join(each) + ")"
        ok = ew / pw <= 1.15
    out.append(("encryption on vs off, full backup through backupd (encrypted vs plain)",
                {"ours": txt, "restic": "always on", "borg": "on (repokey)"},
                "<= 15% slower (wall)", verdict(ok)))

    # compression codec: lz4 vs the default zstd (level 1), full backup and its restore
    lw = run.mbps("ours", "lz4_full")
    if lw is not None or run.failed("ours", "lz4_full"):
        lb, zb = run.num("ours", "lz4_full_added_bytes"), run.num("ours", "full_added_bytes")
        txt = cell(run, "ours", "lz4_full", lw)
        if lw is not None:
            txt = (f"lz4 {fmt(lw)} MB/s ({fmt(cpu('ours', 'lz4_full'), 1)} CPU s), "
                   f"{fmt(lb / 1e6 if lb is not None else None, 0)} MB stored; "
                   f"zstd {fmt(full['ours'])} MB/s ({fmt(cpu('ours', 'full'), 1)} CPU s), "
                   f"{fmt(zb / 1e6 if zb is not None else None, 0)} MB stored")
            lr = run.mbps("ours", "lz4_restore")
            if lr is not None:
                txt += (f"; lz4 restore {fmt(lr)} MB/s "
                        f"({run.f['ours'].get('lz4_restore_verify', '?')})")
        out.append(("compression codec, full backup: lz4 vs zstd (MB/s, CPU s, stored MB)",
                    {"ours": txt}, "(informative: the codec choice)", "-"))

    # objects per GiB stored
    cells = {}
    per = {}
    for t in peers + ["ours"]:
        n, b = run.num(t, "full_objects"), run.num(t, "full_added_bytes")
        if n is not None and b:
            per[t] = n / (b / (1 << 30))
            cells[t] = f"{per[t]:,.0f} ({int(n)} objects, {b / 1e6:,.0f} MB)"
    fb = run.num("floor", "full_added_bytes")
    cells["floor"] = f"(zstd -1: {fb / 1e6:,.0f} MB)" if fb else "-"
    out.append(("objects per GiB stored, after the full (objects, stored MB)", cells, "<= 64",
                verdict(None if "ours" not in per else per["ours"] <= 64)))
    return out


def main():
    figures = load(sys.argv[1])
    run = Run(figures)
    meta = figures["run"]
    print(f"bench/run.sh, {meta.get('date_utc', '?')}, {meta.get('host', '?')}; image "
          f"{run.bytes:,} B, sha256 {meta.get('image_sha256', '?')[:12]}...")
    print(f"load average (1/5/15 min): start {meta.get('load_start', '?')}, "
          f"end {meta.get('load_end', '?')}")
    versions = "; ".join(f"{t} {figures[t]['version']}" for t in TOOLS
                         if figures[t].get("version"))
    print(f"versions: {versions}; ours: {figures['ours'].get('settings', '?')}")
    print()
    print("| figure | " + " | ".join(TOOLS) + " | target (from this run) | ours |")
    print("|---" * (len(TOOLS) + 3) + "|")
    for name, cells, target, ok in rows(run):
        print(f"| {name} | " + " | ".join(cells.get(t, "") for t in TOOLS) +
              f" | {target} | {ok} |")


if __name__ == "__main__":
    main()
