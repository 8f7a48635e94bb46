// The reference parsers, run under node: the pipeline's syntax validator for the languages where no
// Python parser agrees with the compilers (codeprep.signals.node_parsers starts one process per
// worker), and the oracle that bench/syntax.py and the tests measure every validator against.
//
// Protocol: one JSON object per line on stdin
//   {"id": ..., "text": "...", "kind": "js"|"jsx"|"ts"|"tsx"|"mdx"|"css"|"scss"|"json"|"html", "name"?: "x.d.ts"}
// and one JSON object per line on stdout, in the same order:
//   {"id": ..., "ok": true|false|null, "error": "...", "line": n|null, "col": n|null, ...}
// ok is null when the parser failed for a reason that is not a verdict on the text (stack overflow,
// an internal error). css/scss add comment_bytes; html returns its parse errors and the caller's
// policy (codeprep.signals.syntax.PARSE5_FATAL_CODES) decides which ones break a document.
//
// Nothing is executed: acorn and TypeScript only parse; @mdx-js/mdx `compile` parses and generates
// JavaScript as a string, which is thrown away (never `evaluate`/`run`); postcss only parses;
// parse5 only builds a tree; JSON.parse only parses.
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);

let acorn = null;
let jsxParser = null;
let ts = null;
let mdxCompile = null;
let postcss = null;
let postcssScss = null;
let parse5 = null;

function loadAcorn() {
  if (acorn === null) {
    acorn = require("acorn");
    jsxParser = acorn.Parser.extend(require("acorn-jsx")());
  }
}

// JavaScript: ECMAScript latest as a module, else as a (CommonJS) script where a top-level `return`
// is legal (node wraps CommonJS in a function). For kind "js" a file that only parses with the JSX
// extension is still accepted (React code ships in .js files); the verdict says so in `via`.
function parseJs(text, withJsx, jsxFallback) {
  loadAcorn();
  const attempts = [];
  const parsers = withJsx ? [["jsx", jsxParser]] : [["js", acorn.Parser]];
  if (jsxFallback) parsers.push(["jsx", jsxParser]);
  for (const [via, P] of parsers) {
    for (const sourceType of ["module", "script"]) {
      try {
        P.parse(text, {
          ecmaVersion: "latest",
          sourceType,
          allowHashBang: true,
          allowReturnOutsideFunction: sourceType === "script",
        });
        return { ok: true, error: "", via: `${via}/${sourceType}` };
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        attempts.push(e);
      }
    }
  }
  // Report the attempt that got furthest into the text.
  const best = attempts.reduce((a, b) => ((b.pos ?? -1) > (a.pos ?? -1) ? b : a));
  return {
    ok: false,
    error: best.message,
    line: best.loc ? best.loc.line : null,
    col: best.loc ? best.loc.column + 1 : null,
  };
}

function parseTs(text, kind, name) {
  if (ts === null) ts = require("typescript");
  const scriptKind = kind === "tsx" ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const fileName = name || (kind === "tsx" ? "input.tsx" : "input.ts");
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKind);
  const diags = sf.parseDiagnostics || [];
  if (diags.length === 0) return { ok: true, error: "" };
  const d = diags[0];
  const pos = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : null;
  return {
    ok: false,
    error: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    line: pos ? pos.line + 1 : null,
    col: pos ? pos.character + 1 : null,
    n_errors: diags.length,
  };
}

async function parseMdx(text) {
  if (mdxCompile === null) mdxCompile = (await import("@mdx-js/mdx")).compile;
  try {
    await mdxCompile(text, { format: "mdx" });
    return { ok: true, error: "" };
  } catch (e) {
    // VFileMessage: a parse error with a place; anything else is not a verdict on the text.
    if (e && (e.name === "VFileMessage" || e.source || e.ruleId)) {
      let place = e.place && e.place.start ? e.place.start : e.place || {};
      if (place.line == null) {
        // mdast-util-mdx-jsx puts the tag's position only in the message: "... `<Foo>` (3:1-3:6)"
        const m = /\((\d+):(\d+)(?:-\d+:\d+)?\)/.exec(e.reason || e.message || "");
        if (m) place = { line: Number(m[1]), column: Number(m[2]) };
      }
      return {
        ok: false,
        error: `${e.source || "mdx"}:${e.ruleId || ""} ${e.reason || e.message}`,
        line: place.line ?? e.line ?? null,
        col: place.column ?? e.column ?? null,
      };
    }
    throw e;
  }
}

const CSS_COMMENT = /\/\*[\s\S]*?\*\//g;

function parseCss(text, kind) {
  if (postcss === null) postcss = require("postcss");
  if (kind === "scss" && postcssScss === null) postcssScss = require("postcss-scss");
  try {
    const root = kind === "scss" ? postcssScss.parse(text) : postcss.parse(text);
    let commentBytes = 0;
    if (kind === "css") {
      // CSS has one comment form and the text parsed: a scan is exact but for "/*" inside a string,
      // and it also counts comments inside values (postcss keeps those in raws, not as nodes). It
      // costs a tenth of walking the tree.
      for (const m of text.matchAll(CSS_COMMENT)) commentBytes += Buffer.byteLength(m[0], "utf8");
    } else {
      root.walkComments((c) => {
        const s = c.source && c.source.start;
        const e = c.source && c.source.end;
        if (s && e && s.offset !== undefined && e.offset !== undefined) {
          commentBytes += Buffer.byteLength(text.slice(s.offset, e.offset), "utf8");
        }
      });
    }
    return { ok: true, error: "", comment_bytes: commentBytes };
  } catch (e) {
    if (e && e.name === "CssSyntaxError") {
      return { ok: false, error: e.reason || e.message, line: e.line ?? null, col: e.column ?? null };
    }
    throw e;
  }
}

function parseJson(text) {
  try {
    JSON.parse(text);
    return { ok: true, error: "" };
  } catch (e) {
    if (e instanceof SyntaxError) return { ok: false, error: e.message };
    throw e;
  }
}

// HTML: the WHATWG parser never fails; it reports parse errors. We return them (code, position and
// the few characters at the error, capped at 200 errors) and bench/syntax.py decides which ones make a
// document broken, so the policy lives next to the figures it produces.
//
// parse5 reports tokenizer errors but few tree-construction ones (no error for an element left open at
// EOF or closed by an unrelated end tag). Its tree says it, though: with source locations on, an element
// written in the source whose end tag never came has a start tag and no end tag. Those are reported as
// "element-not-closed" (our code, not the spec's) unless the element is void, has an optional end tag,
// or was written self-closing ("<path/>" in SVG).
const VOID = new Set(
  "area base br col embed hr img input link meta param source track wbr basefont bgsound frame keygen".split(" "),
);
const OPTIONAL_END = new Set(
  "html head body p li dt dd option optgroup rb rt rtc rp tr td th thead tbody tfoot colgroup caption".split(" "),
);

function unclosedElements(doc, text, errors) {
  const stack = [doc];
  while (stack.length) {
    const node = stack.pop();
    const loc = node.sourceCodeLocation;
    if (node.tagName && loc && loc.startTag && !loc.endTag) {
      const name = node.tagName.toLowerCase();
      const start = text.slice(loc.startTag.startOffset, loc.startTag.endOffset);
      if (!VOID.has(name) && !OPTIONAL_END.has(name) && !start.endsWith("/>")) {
        errors.push({ code: "element-not-closed", line: loc.startTag.startLine, col: loc.startTag.startCol, at: start.slice(0, 24) });
      }
    }
    if (node.content) stack.push(node.content); // <template>
    if (node.childNodes) for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
  }
}

async function parseHtml(text) {
  if (parse5 === null) parse5 = await import("parse5");
  const errors = [];
  const doc = parse5.parse(text, {
    sourceCodeLocationInfo: true,
    onParseError(err) {
      if (errors.length < 200) {
        errors.push({
          code: err.code,
          line: err.startLine,
          col: err.startCol,
          at: text.slice(err.startOffset, err.startOffset + 24),
        });
      }
    },
  });
  unclosedElements(doc, text, errors);
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: errors.length === 0, error: errors.length ? errors[0].code : "", errors: errors.slice(0, 200) };
}

async function verdict(req) {
  const text = req.text;
  switch (req.kind) {
    case "js":
      return parseJs(text, false, true);
    case "jsx":
      return parseJs(text, true, false);
    case "ts":
    case "tsx":
      return parseTs(text, req.kind, req.name);
    case "mdx":
      return parseMdx(text);
    case "css":
    case "scss":
      return parseCss(text, req.kind);
    case "json":
      return parseJson(text);
    case "html":
      return parseHtml(text);
    default:
      return { ok: null, error: `unknown kind ${req.kind}` };
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line) continue;
  const req = JSON.parse(line);
  let out;
  try {
    out = await verdict(req);
  } catch (e) {
    out = { ok: null, error: `internal: ${e && e.name}: ${e && e.message ? e.message.slice(0, 200) : e}` };
  }
  out.id = req.id;
  if (out.line === undefined) out.line = null;
  if (out.col === undefined) out.col = null;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
