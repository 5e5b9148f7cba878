#!/usr/bin/env python3
"""The mutation check: do the tests notice small deliberate bugs?

Each mutant in mutants.py is one small change to one file (a flipped
comparison, an off-by-one, a dropped statement, swapped operands). For each,
alone, on a clean copy of the tree: apply it, rebuild, run the suites that
cover that code, and record whether a test failed (caught) or not
(survived). A mutant whose code no longer builds is reported as stillborn
and not counted; one whose text is no longer in the file is stale and must
be updated.

    tests/mutation/run.py [--only ID,ID] [--list] [--work DIR] [--keep]
                          [--report FILE] [--json FILE] [--timeout S]

It takes long (every mutant rebuilds and runs suites): it is a benchmark,
run outside CI; docs/reliability.md keeps its last report.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import mutants as catalogue  # noqa: E402


def run(cmd, cwd, timeout=None, env=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout + p.stderr, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")
        out = out.decode() if isinstance(out, bytes) else out
        return None, out, time.monotonic() - t0


def clean_copy(work):
    """The tracked files of HEAD (plus the working tree's changes to them)
    in @work: what a fresh clone builds."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=TOP, check=True,
                           capture_output=True).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        f = f.decode()
        src = os.path.join(TOP, f)
        if not os.path.isfile(src):
            continue
        dst = os.path.join(work, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def meson_test(build, suites, timeout, first_failure=False):
    """Runs @suites; with @first_failure, stops at the first failing test
    (a mutant is caught by one failure: the rest would only cost time)."""
    args = ["meson", "test", "-C", build, "--no-rebuild",
            "--num-processes", str(os.cpu_count() or 1),
            "--no-suite", "delivery"]
    if first_failure:
        args += ["--maxfail", "1"]
    for s in suites:
        args += ["--suite", s]
    return run(args, cwd=build, timeout=timeout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated mutant ids")
    ap.add_argument("--list", action="store_true", help="list and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every mutant applies (its text "
                    "occurs once in its file)")
    ap.add_argument("--work", help="folder for the copy (default: a temp)")
    ap.add_argument("--keep", action="store_true", help="keep the copy")
    ap.add_argument("--report", help="write the Markdown report here")
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--timeout", type=float, default=1200,
                    help="seconds for one mutant's suites (default 1200)")
    a = ap.parse_args()

    mutants = catalogue.MUTANTS
    ids = [m["id"] for m in mutants]
    if len(set(ids)) != len(ids):
        sys.exit("mutants.py: duplicate ids")
    if a.only:
        want = set(a.only.split(","))
        mutants = [m for m in mutants if m["id"] in want]
    if a.list:
        for m in mutants:
            print("%-28s %-34s %s" % (m["id"], m["file"], m["what"]))
        print("%d mutants" % len(mutants))
        return 0
    if a.check:
        bad = 0
        for m in mutants:
            with open(os.path.join(TOP, m["file"]), encoding="utf-8") as f:
                n = f.read().count(m["find"])
            if n != 1:
                print("stale: %s (%s): the text occurs %d times"
                      % (m["id"], m["file"], n))
                bad += 1
        print("%d mutants, %d stale" % (len(mutants), bad))
        return 1 if bad else 0

    work = a.work or tempfile.mkdtemp(prefix="edge-mutation-")
    print("copy of the tree in", work, flush=True)
    clean_copy(work)
    build = os.path.join(work, "build")
    rc, out, _ = run(["meson", "setup", build, "-Dslow_tests=false",
                      "-Dbench=disabled"], cwd=work)
    if rc != 0:
        sys.exit("meson setup failed:\n" + out[-3000:])
    rc, out, t_build = run(["ninja", "-C", build], cwd=work)
    if rc != 0:
        sys.exit("the unmutated tree does not build:\n" + out[-3000:])

    # every suite a mutant names must pass unmutated first
    suites = sorted({s for m in mutants for s in m["suites"]})
    rc, out, t_base = meson_test(build, suites, a.timeout * 2)
    if rc != 0:
        sys.exit("the unmutated tree fails its suites:\n" + out[-5000:])
    print("baseline: %s pass (%.0f s)" % (", ".join(suites), t_base),
          flush=True)

    results = []
    for m in mutants:
        path = os.path.join(work, m["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        n = text.count(m["find"])
        r = {"id": m["id"], "file": m["file"], "what": m["what"],
             "suites": m["suites"]}
        if n != 1:
            r["result"] = "stale"
            r["detail"] = "the text occurs %d times" % n
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(m["find"], m["replace"]))
            rc, out, _ = run(["ninja", "-C", build], cwd=work)
            if rc != 0:
                r["result"] = "stillborn"
                r["detail"] = out.strip().splitlines()[-1:]
            else:
                rc, out, t = meson_test(build, m["suites"], a.timeout,
                                        first_failure=True)
                r["seconds"] = round(t, 1)
                if rc == 0:
                    r["result"] = "survived"
                else:
                    r["result"] = "caught"
                    r["detail"] = ([l for l in out.splitlines()
                                    if " FAIL " in l or "TIMEOUT" in l][:5]
                                   if rc is not None else ["timed out"])
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            run(["ninja", "-C", build], cwd=work)
        results.append(r)
        print("%-10s %-28s %s" % (r["result"], m["id"], m["what"]),
              flush=True)

    counted = [r for r in results if r["result"] in ("caught", "survived")]
    caught = [r for r in counted if r["result"] == "caught"]
    lines = ["| mutant | file | what | result |", "|---|---|---|---|"]
    for r in results:
        reason = ""
        if r["result"] == "survived":
            reason = catalogue.EQUIVALENT.get(r["id"], "")
        lines.append("| `%s` | `%s` | %s | %s%s |" % (
            r["id"], r["file"], r["what"], r["result"],
            " — " + reason if reason else ""))
    summary = "%d of %d mutants caught (%.0f %%)" % (
        len(caught), len(counted),
        100.0 * len(caught) / max(1, len(counted)))
    other = [r for r in results if r["result"] not in ("caught", "survived")]
    if other:
        summary += "; %d stale or stillborn (not counted)" % len(other)
    report = summary + "\n\n" + "\n".join(lines) + "\n"
    print("\n" + report)
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            f.write(report)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"summary": summary, "results": results}, f, indent=1)
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not other else 1


if __name__ == "__main__":
    sys.exit(main())
