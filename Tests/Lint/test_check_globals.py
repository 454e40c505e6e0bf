"""deploy/check-globals can fail: each kind of process-global state, planted in a temporary copy of a
real source file, is reported with its file:line and fails the check; what is not state (computed
properties, protocol requirements, constants, locals, literals, comments, C constants and functions)
passes; the allow-list comment allows exactly its line, and a stale one fails. Run by deploy/test in
its lint step (`python3 -m pytest Tests/Lint`); needs no stack."""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(ROOT, "deploy", "check-globals")
MAIN = "Sources/stacks-jobs/main.swift"  # top-level code: its variables are globals
LIBRARY = "Sources/Stacks/Endpoint.swift"  # a file of declarations only
SHIM = "Sources/CLibPQ/shim.h"


def run_check(*paths):
    done = subprocess.run([sys.executable, CHECK, *paths], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def planted(tmp_path, source, text):
    """A copy of `source` (a repository path) in tmp_path with `text` appended; returns the copy's
    path and the line number of the line marked `<--` (the marker removed)."""
    copy = tmp_path / os.path.basename(source)
    shutil.copy(os.path.join(ROOT, source), copy)
    base = len(copy.read_text().splitlines())
    lines = text.strip("\n").splitlines()
    marked = [n for n, line in enumerate(lines) if "<--" in line]
    assert len(marked) == 1, "mark exactly one line with <--"
    with open(copy, "a") as f:
        f.write("\n" + "\n".join(re.sub(r"\s*<--.*$", "", line) for line in lines) + "\n")
    return str(copy), base + 2 + marked[0]


def test_the_repository_sources_pass():
    code, out = run_check()
    assert code == 0, out
    assert re.search(r"allow-list: \d+ entr", out), out


# (name, source to copy, planted text with the offending line marked, kind printed, name printed)
PLANTED = [
    ("top-level var with a value", MAIN, "var served = 0  <--", "top-level var", "served"),
    ("top-level var without one", MAIN, "var lastMember: Int64?  <--", "top-level var", "lastMember"),
    ("top-level var built by a closure", MAIN, """
var seen: [String: Int] = {  <--
    var table: [String: Int] = [:]
    table["a"] = 1
    return table
}()""", "top-level var", "seen"),
    ("top-level var with observers", MAIN, "var hits = 0 {  <--\n    didSet { print(hits) }\n}", "top-level var", "hits"),
    ("top-level var in a library file", LIBRARY, "public private(set) var requestCount = 0  <--", "top-level var",
     "requestCount"),
    ("static var", LIBRARY, """
enum MemberCache {
    /// Members by id.
    static var members: [Int64: String] = [:]  <--
}""", "static var", "members"),
    ("static var in an extension, with didSet", LIBRARY, """
extension Request {
    static var seen = 0 {  <--
        didSet { print(seen) }
    }
}""", "static var", "seen"),
    ("private static var in a nested type", LIBRARY, """
struct Outer {
    let id: Int
    struct Inner {
        private static var last: String?  <--
        var value: Int { 1 }
    }
}""", "static var", "last"),
    ("class var", LIBRARY, """
final class Counter {
    var n = 0
    class var total: Int = 0  <--
}""", "class var", "total"),
    ("nonisolated(unsafe) static let", LIBRARY, """
enum Shared {
    nonisolated(unsafe) static let buffer = [UInt8]()  <--
}""", "nonisolated(unsafe)", "buffer"),
    ("nonisolated(unsafe) top-level var", MAIN, "nonisolated(unsafe) var last = \"\"  <--", "nonisolated(unsafe)",
     "last"),
    ("nonisolated(unsafe) local", LIBRARY, """
func tally() -> Int {
    nonisolated(unsafe) var count = 0  <--
    return count
}""", "nonisolated(unsafe)", "count"),
    ("lazy global", MAIN, "lazy var planted = [Int]()  <--", "lazy global", "planted"),
    ("lazy static var", LIBRARY, "enum Lazy {\n    static lazy var table = [Int]()  <--\n}", "lazy static var",
     "table"),
    ("global actor", LIBRARY, """
@globalActor  <--
actor SessionActor {
    static let shared = SessionActor()
}""", "global actor", "SessionActor"),
    ("actor holding state", LIBRARY, """
actor Sessions {
    private var byToken: [String: Int64] = [:]  <--
    func member(_ token: String) -> Int64? { byToken[token] }
}""", "actor with state (actor Sessions)", "byToken"),
    ("a lock in a static let", LIBRARY, """
enum Registry {
    static let lock = NSLock()  <--
}""", "shared box in a static let (NSLock)", "lock"),
    ("a Mutex in a top-level let", MAIN, "let cache = Mutex<[String: Int]>([:])  <--",
     "shared box in a top-level let (Mutex)", "cache"),
    ("an atomic counter", LIBRARY, "enum Counters {\n    static let served: Atomic<Int> = .init(0)  <--\n}",
     "shared box in a static let (Atomic)", "served"),
    ("@unchecked Sendable", LIBRARY, """
final class Registry: @unchecked Sendable {  <--
    var entries: [String] = []
    static let shared = Registry()
}""", "@unchecked Sendable", "Registry"),
    ("C static int", SHIM, "static int planted_counter;  <--", "static variable (not const)", "planted_counter"),
    ("C static pointer to const", SHIM, "static const char *planted_name = \"x\";  <--",
     "static variable (not const)", "planted_name"),
    ("C static array", SHIM, "static int planted_table[4] = {1, 2, 3, 4};  <--", "static variable (not const)",
     "planted_table"),
    ("C static local", SHIM, """
static inline int planted_next(void) {
    static int n = 0;  <--
    return ++n;
}""", "static variable (not const)", "n"),
    ("C static struct", SHIM, "static struct {  <--\n    int n;\n} planted_state;", "static variable (not const)",
     "planted_state"),
    ("C static function pointer", SHIM, "static void (*planted_hook)(int);  <--", "static variable (not const)",
     "planted_hook"),
    ("C global without static", SHIM, "int planted_total = 0;  <--", "global variable (not const)", "planted_total"),
]


@pytest.mark.parametrize("source,text,kind,name", [p[1:] for p in PLANTED], ids=[p[0] for p in PLANTED])
def test_a_planted_global_fails_the_check_naming_it(tmp_path, source, text, kind, name):
    path, line = planted(tmp_path, source, text)
    code, out = run_check(str(tmp_path))
    assert code == 1, out
    hits = [l.strip() for l in out.splitlines() if "NOT ALLOWED" in l]
    assert hits == [f"{path}:{line}: {kind} `{name}` — NOT ALLOWED"], out
    assert "FAIL: 1 not allowed" in out, out


NOT_STATE_SWIFT = """
/// Computed and required properties, constants, instance state, locals.
protocol Planted {
    static var fields: Set<String> { get }
    static var settable: Int { get set }
    var name: String { get }
}

extension Optional where Wrapped: Planted {
    public static var fields: Set<String> { Wrapped.fields }
    static var settable: Int {
        get { 0 }
        set { _ = newValue }
    }
}

enum Constants {
    static let limit = 100
    static let names: Set<String> = ["a", "b"]
    @TaskLocal static var requestID: String?
    static var now: Date { Date() }
    static var computed: Int {
        var total = 0
        for n in 1...3 { total += n }
        return total
    }
}

final class PerRequest {
    var detail: String?
    lazy var words = detail?.split(separator: " ") ?? []
    private(set) var count = 0
    func bump() {
        var local = 0
        local += 1
        count += local
    }
}

struct Values {
    var a = 1, b = 2
    let c: Int
    static func make() -> Values {
        let made = Values(c: 3)
        if var copy = Optional(made) { copy.a = 2 }
        return made
    }
}

let text = "static var notState = 1; var x = 2 \\(1 + 2) \\("nested var y = 3")"
let multi = \"\"\"
    var inAString = 1
    nonisolated(unsafe) static var alsoInAString = 2
    \"\"\"
let raw = #"lazy var x = "1" \\#(text)"#
// var inAComment = 1
/* static var inABlock = 1 /* nested var z = 2 */ still a comment */
let closure = { (x: Int) -> Int in
    var doubled = x
    doubled *= 2
    return doubled
}
let sorted = [3, 1, 2].sorted { a, b in a < b }
actor Stateless {
    let id: Int
    func run() { var n = 0; n += id }
}
"""

NOT_STATE_C = """
static const int planted_constant = 1;
static const char *const planted_text = "static int in_a_string;";
static inline int planted_function(int x) { return x + 1; }
static inline int planted_locals(int x) {
    int y = x;
    const int z = 2;
    static const int w = 3;
    return y + z + w;
}
int planted_prototype(int *argc, char ***argv, int (*callback)(const unsigned char *data, unsigned long size));
extern int planted_library_variable;
typedef struct planted_pair { int a; int b; } planted_pair;
struct planted_forward;
enum planted_kind { planted_a, planted_b };
/* static int in_a_comment; */
// static int in_a_line_comment;
#define PLANTED_MACRO static int in_a_macro
"""


def test_what_is_not_state_passes(tmp_path):
    swift = tmp_path / "Planted.swift"
    swift.write_text(open(os.path.join(ROOT, LIBRARY)).read() + NOT_STATE_SWIFT)
    shim = tmp_path / "shim.h"
    shim.write_text(open(os.path.join(ROOT, SHIM)).read() + NOT_STATE_C)
    main = tmp_path / "main.swift"
    main.write_text(open(os.path.join(ROOT, MAIN)).read())
    code, out = run_check(str(tmp_path))
    assert code == 0, out
    assert "allow-list: 0 entries" in out, out


def test_an_allow_global_comment_allows_its_line_and_is_counted(tmp_path):
    path, line = planted(tmp_path, MAIN, "var started = Date()  // allow-global: the start time, for uptime  <--")
    code, out = run_check(str(tmp_path))
    assert code == 0, out
    assert "allow-list: 1 entry" in out, out
    assert f"{path}:{line}: top-level var `started` — allowed: the start time, for uptime" in out, out


def test_an_allow_global_comment_in_a_c_shim_allows_its_declaration(tmp_path):
    path, line = planted(tmp_path, SHIM, "static int planted_flag; /* allow-global: set once by a signal handler */  <--")
    code, out = run_check(str(tmp_path))
    assert code == 0, out
    assert f"{path}:{line}: static variable (not const) `planted_flag` — allowed: set once by a signal handler" in out


def test_an_allow_comment_covers_only_its_own_line(tmp_path):
    path, line = planted(tmp_path, MAIN, "// allow-global: a reason one line too early\nvar served = 0  <--")
    code, out = run_check(str(tmp_path))
    assert code == 1, out
    assert f"{path}:{line}: top-level var `served` — NOT ALLOWED" in out, out
    assert f"{path}:{line - 1}: allow-global comment where there is no global state" in out, out


def test_a_stale_allow_global_comment_fails(tmp_path):
    path, line = planted(tmp_path, LIBRARY, "let limit = 5  // allow-global: was a var once  <--")
    code, out = run_check(str(tmp_path))
    assert code == 1, out
    assert f"{path}:{line}: allow-global comment where there is no global state: remove it" in out, out
    assert "FAIL: 0 not allowed, 1 stale" in out, out


def test_every_hit_of_a_file_is_listed(tmp_path):
    path, line = planted(tmp_path, MAIN, "var a = 1\nvar b = 2  <--\nlet c = 3\nlet d = [a, b]")
    code, out = run_check(str(tmp_path))
    assert code == 1, out
    assert [l.split(":")[1] for l in out.splitlines() if "NOT ALLOWED" in l] == [str(line - 1), str(line)], out
    assert "FAIL: 2 not allowed" in out, out


def test_a_missing_path_is_exit_2():
    code, out = run_check("/nonexistent/Sources")
    assert code == 2 and "no such file" in out, out
