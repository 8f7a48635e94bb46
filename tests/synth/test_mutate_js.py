"""AST mutations of JavaScript/TypeScript (codeprep.synth.mutate_js): exact output per operator,
scope correctness."""

from __future__ import annotations

import random

from mutation_cases import _js, _reason

from codeprep.signals.syntax import check
from codeprep.synth.mutate_js import mutate_js

# --------------------------------------------------------------------------------------------------
# rename_binding


def test_rename_renames_every_reference_and_leaves_properties_and_shadowing_alone():
    source = """function total(items, tax) {
  const sum = items.reduce((acc, item) => acc + item.price, 0);
  const summary = { sum, tax: tax };
  function format(sum) {
    return sum.toFixed(2);
  }
  return format(sum * (1 + tax)) + summary.sum;
}
"""
    # Every local binding fires at rate 1. ``summary.sum`` and the ``tax:`` key are properties; the
    # inner ``sum`` parameter shadows the outer one and gets its own name; ``{ sum }`` keeps its key;
    # names already in the file (``item``) get a suffix.
    assert (
        _js(source, op="rename_binding", seed=7)
        == """function total(input, item2) {
  const payload = input.reduce((record, state) => record + state.price, 0);
  const entry = { sum: payload, tax: item2 };
  function format(entry2) {
    return entry2.toFixed(2);
  }
  return format(payload * (1 + item2)) + entry.sum;
}
"""
    )


def test_rename_handles_shorthand_in_patterns_and_objects():
    source = """function load({ id, name: label }, [first] = []) {
  const { data, meta = {} } = fetchSync(id);
  ({ data } = refresh(data));
  return { id, label, first, data, meta };
}
"""
    assert (
        _js(source, op="rename_binding", seed=7)
        == """function load({ id: input, name: item }, [payload] = []) {
  const { data: record, meta: state = {} } = fetchSync(input);
  ({ data: record } = refresh(record));
  return { id: input, label: item, first: payload, data: record, meta: state };
}
"""
    )


def test_rename_resolves_block_scopes_and_var_redeclaration():
    source = """function scan(rows) {
  let found = null;
  for (const row of rows) {
    const found = row.match(/x/);
    if (found) {
      break;
    }
  }
  var n = 1;
  var n = n + found;
  return n;
}
"""
    out = _js(source, op="rename_binding", seed=3)
    assert check("javascript", out).ok
    lines = out.splitlines()
    outer = lines[1].split()[1]  # let <outer> = null;
    inner = lines[3].split()[1]  # const <inner> = row.match(...)
    assert outer != "found" and inner != "found" and outer != inner
    assert lines[4].strip() == f"if ({inner}) {{"
    counter = lines[8].split()[1]
    assert lines[9].strip() == f"var {counter} = {counter} + {outer};"
    assert lines[10].strip() == f"return {counter};"
    row = lines[2].split()[2]  # for (const <row> of <rows>) {
    assert row != "row" and lines[3].endswith(f"= {row}.match(/x/);")  # the property stays


def test_rename_skips_jsx_tags_dynamic_scope_and_parameter_properties():
    jsx = """function App(props) {
  const Item = props.item;
  const div = props.tag;
  return <div>{div}<Item /></div>;
}
"""
    out = _js(jsx, "jsx", op="rename_binding")
    assert "const Item = " in out and "const div = " in out and "<Item />" in out  # tag names kept
    assert "function App(props)" not in out  # props itself is an ordinary binding
    dynamic = """function a(x) {
  return eval("x");
}
function b(y) {
  return arguments.length + y;
}
function c(z) {
  with (z) {
    return w;
  }
}
"""
    assert (
        _reason(lambda: mutate_js(dynamic, "javascript", random.Random(0), 1.0, ["rename_binding"]))
        == "no_site"
    )
    ts = "class Repo {\n  constructor(private readonly db: Db) {}\n}\n"
    assert (
        _reason(lambda: mutate_js(ts, "typescript", random.Random(0), 1.0, ["rename_binding"])) == "no_site"
    )


def test_rename_keeps_naming_style():
    source = "function f() {\n  const MAX_SIZE = 10;\n  const Widget = make();\n  const _cache = {};\n  return [MAX_SIZE, Widget, _cache];\n}\n"
    out = _js(source, op="rename_binding", seed=1)
    declared = [line.split()[1] for line in out.splitlines()[1:4]]
    assert declared[0].isupper()
    assert declared[1][0].isupper() and not declared[1].isupper()
    assert declared[2].startswith("_") and declared[2][1].islower()
    assert f"return [{declared[0]}, {declared[1]}, {declared[2]}];" in out


# --------------------------------------------------------------------------------------------------
# wrap_try_catch


def test_wrap_try_catch_exact_and_template_literal_lines_untouched():
    source = """export function retry(task, times) {
  for (let i = 0; i < times; i++) {
    if (task()) {
      return i;
    }
  }
  const message = `gave up
after ${times} tries`;
  throw new Error(message);
}
"""
    assert (
        _js(source, op="wrap_try_catch")
        == """export function retry(task, times) {
  try {
    for (let i = 0; i < times; i++) {
      if (task()) {
        return i;
      }
    }
    const message = `gave up
after ${times} tries`;
    throw new Error(message);
  } catch (error) {
    console.error(error);
    throw error;
  }
}
"""
    )


def test_wrap_try_catch_uses_tabs_crlf_and_a_free_catch_name_and_wraps_outermost_only():
    tabbed = "class A {\r\n\trun(error) {\r\n\t\tconst inner = () => {\r\n\t\t\treturn error;\r\n\t\t};\r\n\t\treturn inner();\r\n\t}\r\n}\r\n"
    assert _js(tabbed, op="wrap_try_catch") == (
        "class A {\r\n\trun(error) {\r\n\t\ttry {\r\n\t\t\tconst inner = () => {\r\n\t\t\t\treturn error;\r\n"
        "\t\t\t};\r\n\t\t\treturn inner();\r\n\t\t} catch (err) {\r\n\t\t\tconsole.error(err);\r\n"
        "\t\t\tthrow err;\r\n\t\t}\r\n\t}\r\n}\r\n"
    )


def test_wrap_try_catch_ineligible_bodies():
    source = """function strict() {
  "use strict";
  return 1;
}
const oneLine = () => { return 2; };
function guarded() {
  try {
    work();
  } finally {
    done();
  }
}
"""
    assert (
        _reason(lambda: mutate_js(source, "javascript", random.Random(0), 1.0, ["wrap_try_catch"]))
        == "no_site"
    )
    shadowed = "const console = makeLogger();\nfunction f() {\n  return 1;\n}\n"
    assert (
        _reason(lambda: mutate_js(shadowed, "javascript", random.Random(0), 1.0, ["wrap_try_catch"]))
        == "no_site"
    )


# --------------------------------------------------------------------------------------------------
# add_jsdoc, add_type_annotation, change_signature


def test_add_jsdoc_exact_javascript():
    source = """class UserStore {
  constructor(api) {
    this.api = api;
  }

  async getUserName(id, fallback = "anonymous", ...fields) {
    const user = await this.api.get(id, fields);
    return user ? user.name : fallback;
  }

  /** Already documented. */
  clear() {
    this.api = null;
  }
}
"""
    assert (
        _js(source, op="add_jsdoc")
        == """class UserStore {
  /**
   * Create a new UserStore.
   *
   * @param {*} api
   */
  constructor(api) {
    this.api = api;
  }

  /**
   * Get user name.
   *
   * @param {*} id
   * @param {*} [fallback]
   * @param {...*} fields
   * @returns {*}
   */
  async getUserName(id, fallback = "anonymous", ...fields) {
    const user = await this.api.get(id, fields);
    return user ? user.name : fallback;
  }

  /** Already documented. */
  clear() {
    this.api = null;
  }
}
"""
    )


def test_add_jsdoc_typescript_omits_types_of_annotated_params_and_goes_above_decorators():
    source = """export class Api {
  @Memo()
  parseXMLDocument(raw: string, strict = false): Doc {
    return parse(raw, strict);
  }
}
"""
    assert (
        _js(source, "typescript", op="add_jsdoc")
        == """export class Api {
  /**
   * Parse XML document.
   *
   * @param raw
   * @param {*} [strict]
   * @returns
   */
  @Memo()
  parseXMLDocument(raw: string, strict = false): Doc {
    return parse(raw, strict);
  }
}
"""
    )


def test_add_type_annotation_exact_and_not_for_javascript():
    source = """export function paginate<T>(rows: T[], page = 1, size: number = 20, label = `Page`, strict = false, offset = -1n): T[] {
  return rows.slice((page - 1) * size, page * size);
}
"""
    assert _js(source, "typescript", op="add_type_annotation") == (
        "export function paginate<T>(rows: T[], page: number = 1, size: number = 20, label: string = `Page`, "
        "strict: boolean = false, offset: bigint = -1n): T[] {\n"
        "  return rows.slice((page - 1) * size, page * size);\n}\n"
    )
    js = "function f(a = 1) {\n  return a;\n}\n"
    assert (
        _reason(lambda: mutate_js(js, "javascript", random.Random(0), 1.0, ["add_type_annotation"]))
        == "no_site"
    )


def test_change_signature_exact_and_only_where_calls_stay_valid():
    source = """function fetchJson(url) {
  return fetch(url).then((res) => res.json());
}
const parse = (text) => JSON.parse(text);
const onClick = (event) => event.preventDefault();
function many(a, b, c, d) {}
function variadic(...args) {}
const options = { retries: 3 };
class Box {
  get size() { return 1; }
  set size(v) {}
  open() {}
}
button.addEventListener("click", onClick);
export { fetchJson, parse, options };
"""
    assert (
        _js(source, op="change_signature")
        == """function fetchJson(url, opts = {}) {
  return fetch(url).then((res) => res.json());
}
const parse = (text, opts = {}) => JSON.parse(text);
const onClick = (event) => event.preventDefault();
function many(a, b, c, d) {}
function variadic(...args) {}
const options = { retries: 3 };
class Box {
  get size() { return 1; }
  set size(v) {}
  open(opts = {}) {}
}
button.addEventListener("click", onClick);
export { fetchJson, parse, options };
"""
    )
    ts = "export const id = x => x;\nexport function empty() {}\n"
    assert _js(ts, "typescript", op="change_signature") == (
        "export const id = (x, options: Record<string, unknown> = {}) => x;\n"
        "export function empty(options: Record<string, unknown> = {}) {}\n"
    )


def test_operators_run_in_order_and_reparse_between_passes():
    source = "function scale(value, factor = 2) {\n  return value * factor;\n}\n"
    mutant = mutate_js(source, "typescript", random.Random(5), 1.0)
    assert mutant.operators == (
        "rename_binding",
        "rename_binding",
        "add_type_annotation",
        "change_signature",
        "wrap_try_catch",
        "add_jsdoc",
    )
    assert check("typescript", mutant.content).ok
    assert ": number = 2" in mutant.content and "Record<string, unknown> = {}" in mutant.content
    assert mutant.content.startswith("/**\n * Scale.\n")  # the JSDoc documents the final signature
    assert "[options]" in mutant.content
