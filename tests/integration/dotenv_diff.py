"""dotenv_diff.py - the differential half of t0402: random .env files made
of the constructs dotenv readers disagree on, and the comparison of what
`custos import dotenv` stored with what python-dotenv (Debian 12's
python3-dotenv 0.21, the reference) reads from the same file.

  dotenv_diff.py gen DIR SEED N     writes DIR/fNNNN.env
  dotenv_diff.py compare DIR        for each DIR/fNNNN.env, DIR/fNNNN.out holds
                                    the custos exit status, then its JSON data
                                    (or its error line); prints mismatches and
                                    exits 1 if there is one

custos stops where python-dotenv warns and skips a statement, leaves out
names without '=' (python-dotenv's None) and refuses names it cannot store
as fields, and files with nothing to store; files starting with a byte order
mark are not generated (custos drops it, python-dotenv keeps it in the name).
Run with /usr/bin/python3 and PYTHONUTF8=1.
"""
import json, logging, os, random, sys

TOKENS = ["A", "B", "FOO", "foo.bar", "x-y", "export", " ", "  ", "\t", "=", "==", "#", " #", "# c",
          "'", "\"", "\\", "\\\\", "\\'", "\\\"", "\\n", "\\t", "\\x", "\n", "\r\n", "\r", "${A}",
          "${B:-d}", "${NOPE}", "${NOPE:-z}", "${DOTENV_TEST_FROM_ENV}", "${", "}", ":-", "$A", "\u00a0",
          "\u2003", "\x0b", "\x0c", "\x1c", "\u3000", "\x85", "\u2028", "\u202f", "\u200b", "é", "v",
          "value", "1", "export ", "é=", "'k'", "\"v\"", "'v'", "x#y", " x "]
KEYS = ["A", "B", "C", "FOO", "x.y", "é", "export A", "export  B", "'Q'", "'a\nb'"]


def gen(d, seed, n):
    rnd = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        lines = []
        for _ in range(rnd.randint(1, 6)):
            if rnd.random() < 0.5:
                q = rnd.choice(["", "'", '"', ""])
                v = "".join(rnd.choice(TOKENS) for _ in range(rnd.randint(0, 5)))
                lines.append(rnd.choice(KEYS) + rnd.choice(["=", " = ", "=\t", " ="]) + q + v + q +
                             rnd.choice(["", " # c", "#c", "  "]))
            else:
                lines.append("".join(rnd.choice(TOKENS) for _ in range(rnd.randint(0, 8))))
        data = rnd.choice(["\n", "\r\n"]).join(lines) + rnd.choice(["", "\n"])
        with open(os.path.join(d, "f%04d.env" % i), "w", encoding="utf-8", newline="") as f:
            f.write(data)


class Warned(logging.Handler):
    hit = False

    def emit(self, record):
        Warned.hit = True


def storable(name):
    b = name.encode()
    return 0 < len(b) <= 128 and all(c > 0x20 and c != 0x7f and c != ord("=") for c in b)


def compare(d):
    import dotenv
    log = logging.getLogger("dotenv.main")
    log.addHandler(Warned())
    log.propagate = False
    bad = checked = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".env"):
            continue
        path = os.path.join(d, name)
        status, _, rest = open(path[:-4] + ".out", encoding="utf-8").read().partition("\n")
        Warned.hit = False
        want = {k: v for k, v in dotenv.dotenv_values(path).items() if v is not None}
        checked += 1
        if Warned.hit or not want or not all(storable(k) for k in want):
            why = "python-dotenv warned" if Warned.hit else "nothing to store" if not want else \
                  "a name custos cannot store"
            if status != "2":
                bad += 1
                print(f"{name}: {why}, but custos exited {status}")
            continue
        if status != "0":
            bad += 1
            print(f"{name}: custos exited {status}: {rest.strip()[:200]}; python-dotenv: {want!r}"[:400])
            continue
        got = json.loads(rest)["data"]
        if got != want:
            bad += 1
            print(f"{name}: custos {got!r} != python-dotenv {want!r}"[:400])
    print(f"compared {checked} files, {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(compare(sys.argv[2]))
