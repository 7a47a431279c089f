"""No SQL is built by string formatting anywhere: an AST scan of every Python file, and the query files.

Every DuckDB execute gets its SQL from a file in queries/ (warehouse.sql_text / run_script); query
names are literals (or passed straight through); values and the time grain are bound parameters.
"""

from __future__ import annotations

import ast
import functools
import re

from conftest import ROOT, TEST_SQL

from bench.queries import BENCH_SQL
from dashboard import warehouse

SOURCES = sorted(p for folder in ("dashboard", "bench", "scripts", "tests") if (ROOT / folder).is_dir()
                 for p in (ROOT / folder).rglob("*.py"))
QUERIES = ROOT / "queries"
SQL_FOLDERS = (QUERIES, TEST_SQL, BENCH_SQL)  # product queries; the tests' own; the benchmark's own
EXECUTE = {"execute", "executemany", "sql", "query_df", "from_query"}
NAMED = {"sql_text": 0, "run_script": 1, "support_query": 0}  # function -> position of the query-name argument
SQL_SHAPE = re.compile(
    r"\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\w+\s+set\b"
    r"|\b(create|drop|alter)\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?(table|view|macro|index|schema)\b"
    r"|\bcopy\s+\w+\s+(to|from)\b|\battach\s+'|\bpragma\s+\w+|\bwhere\s+\w+\s*(=|in\b|like\b)"
    r"|\b(time_bucket|date_trunc|date_bin)\s*\(",
    re.IGNORECASE)


@functools.cache
def _parse(source: str) -> ast.Module:
    """Each file is parsed once for all the scans below (they walk the same trees)."""
    return ast.parse(source)


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _functions(tree: ast.Module):
    """(scope node, its parameter names) for the module and every function."""
    yield tree, set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            yield node, {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}


def _own_calls(scope: ast.AST) -> list[ast.Call]:
    """Calls in `scope` but not in a function nested inside it."""
    out, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _is_formatting(node: ast.AST) -> bool:
    return any(isinstance(n, ast.JoinedStr)
               or (isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mod, ast.Add)))
               or (isinstance(n, ast.Call) and _name(n.func) in {"format", "format_map", "join", "replace"})
               for n in ast.walk(node))


def _from_query_file(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and _name(n.func) == "sql_text" for n in ast.walk(node))


def _bindings(scope: ast.AST, name: str) -> list[ast.AST]:
    """The expressions a local variable is bound to in `scope` (assignments and for-loop sources)."""
    out = []
    for n in ast.walk(scope):
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
            out.append(n.value)
        elif isinstance(n, (ast.For, ast.comprehension)) and isinstance(n.target, ast.Name) and n.target.id == name:
            out.append(n.iter)
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign)) and isinstance(n.target, ast.Name) and n.target.id == name:
            out.append(n.value if n.value is not None else n)
    return out


def _sql_source_ok(arg: ast.AST, scope: ast.AST) -> bool:
    if isinstance(arg, ast.Call) and _name(arg.func) == "sql_text":
        return not _is_formatting(arg)
    if isinstance(arg, ast.Name):
        bound = _bindings(scope, arg.id)
        return bool(bound) and all(_from_query_file(b) and not _is_formatting(b) for b in bound)
    return False


def test_only_the_warehouse_module_imports_duckdb():
    importers = []
    for path in SOURCES:
        if path.parent.name == "tests" or path.is_relative_to(ROOT / "bench"):
            continue
        for n in ast.walk(_parse(path.read_text())):
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else \
                [n.module or ""] if isinstance(n, ast.ImportFrom) else []
            if any(m.split(".")[0] == "duckdb" for m in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == ["dashboard/warehouse.py"]


def execute_offenders(source: str, label: str) -> tuple[list[str], int]:
    """Executes whose SQL does not come from a query file, and how many executes were seen."""
    offenders, seen = [], 0
    tree = _parse(source)
    for scope, _params in _functions(tree):
        for call in _own_calls(scope):
            if _name(call.func) in EXECUTE and isinstance(call.func, ast.Attribute) and call.args:
                seen += 1
                if not _sql_source_ok(call.args[0], scope):
                    offenders.append(f"{label}:{call.lineno}: {ast.unparse(call)[:80]}")
    return offenders, seen


def test_every_execute_takes_its_sql_from_a_query_file():
    results = [execute_offenders(p.read_text(), str(p.relative_to(ROOT))) for p in SOURCES]
    assert [o for offenders, _ in results for o in offenders] == []
    assert sum(seen for _, seen in results) >= 7  # the scan does see the warehouse's executes


def test_the_execute_scan_flags_sql_not_from_a_query_file():
    bad = """
def a(con, x):
    con.execute(f"select * from t where id = '{x}'")
def b(con, x):
    sql = sql_text("q") + " where id = " + x
    con.execute(sql, {})
def c(con):
    con.execute("checkpoint")
def d(con, name):
    sql = sql_text(name).format(table=name)
    con.sql(sql)
def ok(con, name):
    for statement in sql_text(name).split(";"):
        con.execute(statement, {})
"""
    offenders, seen = execute_offenders(bad, "bad.py")
    assert (seen, [o.split(":")[1] for o in offenders]) == (5, ["3", "6", "8", "11"])


def test_query_names_are_literals_of_existing_files_or_passed_straight_through():
    offenders, literal_names = [], set()
    for path in SOURCES:
        tree = _parse(path.read_text())
        for scope, params in _functions(tree):
            for call in _own_calls(scope):
                fn = _name(call.func)
                pos = NAMED.get(fn)
                if fn == "query":
                    pos = 0  # Reader.query(name, params), metrics.query(name, params)
                if pos is None or len(call.args) <= pos:
                    continue
                arg = call.args[pos]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    literal_names.add(arg.value)
                elif not (isinstance(arg, ast.Name) and arg.id in params):
                    offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)[:80]}")
    assert offenders == []
    known = {name for folder in SQL_FOLDERS for name in warehouse.sql_files(folder)}
    missing = sorted(literal_names - known)
    assert missing == []
    assert {"cap_status", "_test_all_states", "_bench_states"} <= literal_names  # the scan sees all three folders


def test_no_sql_shaped_string_is_formatted_anywhere():
    offenders = []
    for path in SOURCES:
        if path.name == "test_sql_safety.py":
            continue
        for n in ast.walk(_parse(path.read_text())):
            parts: list[str] = []
            if isinstance(n, ast.JoinedStr):
                parts = [v.value for v in n.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mod, ast.Add)):
                parts = [s.value for s in (n.left, n.right) if isinstance(s, ast.Constant) and isinstance(s.value, str)]
            elif isinstance(n, ast.Call) and _name(n.func) in {"format", "format_map"} and \
                    isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Constant):
                parts = [str(n.func.value.value)]
            if parts and SQL_SHAPE.search(" ".join(parts)):
                offenders.append(f"{path.relative_to(ROOT)}:{n.lineno}: {ast.unparse(n)[:80]}")
    assert offenders == []


def test_the_shape_detector_flags_formatted_sql():
    """The scan's own check: these would be offenders."""
    for src in ['f"select * from t where id = {x}"', '"delete from t where id = %s" % x',
                '"select a from t where b = {}".format(x)', '"select a from " + table',
                'f"create temp table {name} as select 1"', 'f"time_bucket(interval {m} minute, ts)"']:
        node = ast.parse(src).body[0].value
        literal = " ".join(v.value for v in ast.walk(node) if isinstance(v, ast.Constant) and isinstance(v.value, str))
        assert SQL_SHAPE.search(literal), src
    for prose in ["rolled back from snapshot {old} to {new}", "expected one of {values} (data/programs.toml)",
                  "a field is longer than {n} characters; check the quoting"]:
        assert not SQL_SHAPE.search(prose), prose


def test_query_files_use_bound_parameters_only_and_bind_the_time_grain():
    bad = []
    paths = sorted(p for folder in SQL_FOLDERS for p in folder.rglob("*.sql"))
    assert len(paths) > 50
    for path in paths:
        text = "\n".join(ln.split("--")[0] for ln in path.read_text().splitlines())
        # {name} / {} / {0} are str.format placeholders; {5} or {3,4} inside a regex are quantifiers
        unquoted = re.sub(r"'(?:[^']|'')*'", "''", text)  # a ? inside a string literal ('#NAME?') is text
        if re.search(r"\{(?!\d+(?:,\d*)?\})\w*\}|%s|%\(\w+\)s", text) or "?" in unquoted:
            bad.append(f"{path.name}: a formatting placeholder")
        for m in re.finditer(r"\b(time_bucket|date_bin)\s*\(([^,]*)", text, re.IGNORECASE):
            if "$" not in m.group(2):
                bad.append(f"{path.name}: {m.group(1)} with a grain that is not a bound parameter")
    assert bad == []
