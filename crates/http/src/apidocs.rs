//! The API reference page, `GET /api/v1/docs`: plain HTML rendered on the server from the OpenAPI document
//! (the one served at `/api/v1/openapi.json`), once, when the router is built. It loads nothing (no script, no
//! stylesheet, no image, nothing from another host), so it is shown under the service's one
//! Content-Security-Policy (`default-src 'none'`). Every text taken from the document is HTML-escaped.
//!
//! Layout: the document's title and description, how to authenticate, a contents list, then the operations
//! grouped by tag (method and path, summary, description, parameters, request body with its schema and
//! example, responses with status, description and schema), then every schema with its properties.

use serde_json::Value;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// An operation of the document, with where it is.
struct Op<'a> {
    method: &'a str,
    path: &'a str,
    op: &'a Value,
}

impl Op<'_> {
    /// The anchor of the operation on the page.
    fn anchor(&self) -> String {
        match self.op["operationId"].as_str() {
            Some(id) => format!("op-{}", slug(id)),
            None => format!("op-{}-{}", self.method, slug(self.path)),
        }
    }
}

/// Letters, digits, `-` and `_` only (anchors).
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The name of the component schema a `$ref` points to.
fn ref_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

/// A schema in a few words, with links to the named schemas it uses.
fn type_html(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let n = ref_name(r);
        return format!("<a href=\"#schema-{}\">{}</a>", escape(&slug(n)), escape(n));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(items) = s[key].as_array() {
            let sep = if key == "allOf" { " and " } else { " or " };
            return items.iter().map(type_html).collect::<Vec<_>>().join(sep);
        }
    }
    if let Some(values) = s["enum"].as_array() {
        let shown: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&scalar(v))))
            .collect();
        return format!("one of {}", shown.join(", "));
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut parts = Vec::new();
    for t in &types {
        let p = match *t {
            "array" => format!("array of {}", type_html(&s["items"])),
            "object" if s["additionalProperties"].is_object() => {
                format!("map of {}", type_html(&s["additionalProperties"]))
            }
            t => match s["format"].as_str() {
                Some(f) => format!("{} ({})", escape(t), escape(f)),
                None => escape(t),
            },
        };
        parts.push(p);
    }
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join(" or ")
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// A description as paragraphs (blank lines separate them).
fn paragraphs(out: &mut String, text: &str) {
    for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", escape(p));
    }
}

fn example_html(out: &mut String, v: &Value) {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let _ = writeln!(out, "<p>Example:</p>\n<pre>{}</pre>", escape(&text));
}

/// Renders the reference page of `doc` (an OpenAPI 3 document as JSON).
pub fn render(doc: &Value) -> String {
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let mut ops: Vec<Op> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    ops.push(Op { method, path, op });
                }
            }
        }
    }
    // Tags in the order the document lists them, then any others in order of first use.
    let mut tags: Vec<String> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    for o in &ops {
        let t = tag_of(o);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} reference</title>\n</head>\n<body>",
        escape(title)
    );
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(title));
    if let Some(v) = doc["info"]["version"].as_str() {
        let _ = writeln!(out, "<p>Version {}</p>", escape(v));
    }
    if let Some(d) = doc["info"]["description"].as_str() {
        paragraphs(&mut out, d);
    }
    out.push_str(
        "<p>Every request except enrolment sends <code>Authorization: Bearer &lt;token&gt;</code>. \
         Request and response bodies are JSON; errors are <code>application/problem+json</code> with \
         <code>field</code> naming what is invalid. The machine-readable document is \
         <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>\n</header>\n",
    );

    out.push_str("<nav>\n<h2>Contents</h2>\n<ul>\n");
    for tag in &tags {
        let _ = writeln!(
            out,
            "<li><a href=\"#tag-{}\">{}</a>\n<ul>",
            escape(&slug(tag)),
            escape(tag)
        );
        for o in ops.iter().filter(|o| &tag_of(o) == tag) {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\"><code>{} {}</code></a> {}</li>",
                escape(&o.anchor()),
                escape(&o.method.to_uppercase()),
                escape(o.path),
                escape(o.op["summary"].as_str().unwrap_or(""))
            );
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("<li><a href=\"#schemas\">Schemas</a></li>\n</ul>\n</nav>\n<main>\n");

    for tag in &tags {
        let _ = writeln!(
            out,
            "<section id=\"tag-{}\">\n<h2>{}</h2>",
            escape(&slug(tag)),
            escape(tag)
        );
        for o in ops.iter().filter(|o| &tag_of(o) == tag) {
            operation(&mut out, o);
        }
        out.push_str("</section>\n");
    }

    out.push_str("<section id=\"schemas\">\n<h2>Schemas</h2>\n");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            schema(&mut out, name, s);
        }
    }
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    out
}

fn tag_of(o: &Op) -> String {
    o.op["tags"][0].as_str().unwrap_or("other").to_string()
}

fn operation(out: &mut String, o: &Op) {
    let op = o.op;
    let _ = writeln!(
        out,
        "<article id=\"{}\">\n<h3><code>{} {}</code></h3>",
        escape(&o.anchor()),
        escape(&o.method.to_uppercase()),
        escape(o.path)
    );
    if let Some(s) = op["summary"].as_str() {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", escape(s));
    }
    if let Some(d) = op["description"].as_str() {
        paragraphs(out, d);
    }
    if op["security"].as_array().is_some_and(|s| {
        s.iter()
            .all(|r| r.as_object().is_some_and(|m| m.is_empty()))
    }) {
        out.push_str("<p>No token needed.</p>\n");
    }

    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<h4>Parameters</h4>\n<table>\n<tr><th>Name</th><th>In</th><th>Required</th><th>Type</th><th>Description</th></tr>\n");
        for p in params {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(p["name"].as_str().unwrap_or("")),
                escape(p["in"].as_str().unwrap_or("")),
                if p["required"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "no"
                },
                type_html(&p["schema"]),
                escape(p["description"].as_str().unwrap_or(""))
            );
        }
        out.push_str("</table>\n");
    }

    if let Some(body) = op["requestBody"].as_object() {
        let required = body.get("required").and_then(Value::as_bool) == Some(true);
        let _ = writeln!(
            out,
            "<h4>Request body ({})</h4>",
            if required { "required" } else { "optional" }
        );
        if let Some(d) = body.get("description").and_then(Value::as_str) {
            paragraphs(out, d);
        }
        for (media, c) in body
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let _ = writeln!(
                out,
                "<p><code>{}</code>: {}</p>",
                escape(media),
                type_html(&c["schema"])
            );
            if let Some(e) = c.get("example") {
                example_html(out, e);
            }
        }
    }

    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<h4>Responses</h4>\n<table>\n<tr><th>Status</th><th>Description</th><th>Body</th></tr>\n");
        for (status, r) in responses {
            let bodies: Vec<String> = r["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(media, c)| {
                    format!(
                        "<code>{}</code>: {}",
                        escape(media),
                        type_html(&c["schema"])
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                escape(r["description"].as_str().unwrap_or("")),
                bodies.join("<br>")
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</article>\n");
}

fn schema(out: &mut String, name: &str, s: &Value) {
    let _ = writeln!(
        out,
        "<article id=\"schema-{}\">\n<h3>{}</h3>",
        escape(&slug(name)),
        escape(name)
    );
    if let Some(d) = s["description"].as_str() {
        paragraphs(out, d);
    }
    let required: Vec<&str> = s["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match s["properties"].as_object() {
        Some(props) => {
            out.push_str("<table>\n<tr><th>Field</th><th>Required</th><th>Type</th><th>Description</th></tr>\n");
            for (field, p) in props {
                let _ = writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(field),
                    if required.contains(&field.as_str()) {
                        "yes"
                    } else {
                        "no"
                    },
                    type_html(p),
                    escape(p["description"].as_str().unwrap_or(""))
                );
            }
            out.push_str("</table>\n");
        }
        None => {
            let _ = writeln!(out, "<p>Type: {}</p>", type_html(s));
        }
    }
    if let Some(e) = s.get("example") {
        example_html(out, e);
    }
    out.push_str("</article>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_in_every_text() {
        let doc = serde_json::json!({
            "info": {"title": "<script>x</script>", "description": "a & b"},
            "paths": {"/p/{id}": {"get": {
                "operationId": "get_p", "tags": ["t\"q"], "summary": "<b>", "description": "'d'",
                "parameters": [{"name": "<id>", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "<ok>"}}
            }}},
            "components": {"schemas": {"S<": {"type": "object", "properties": {"<f>": {"type": "string", "description": "<d>"}},
                "example": {"k": "</pre><script>"}}}}
        });
        let html = render(&doc);
        for raw in [
            "<script>", "<b>", "<id>", "<ok>", "<f>", "<d>", "S<", "t\"q", "'d'",
        ] {
            assert!(!html.contains(raw), "{raw} is not escaped in:\n{html}");
        }
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("a &amp; b"));
    }
}
