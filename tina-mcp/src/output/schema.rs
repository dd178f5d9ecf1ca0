//! The JSON Schemas of `tools/list`, trimmed ([`tidy_schemas`]), and the matching rule
//! for results: null fields are left out ([`drop_nulls`]), as the trimmed output
//! schemas mark them optional.

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

/// Trims a generated JSON Schema for `tools/list`.
///
/// Everywhere: no `$schema`, `title`, `format` or `minimum: 0`; an optional property
/// (not in `required`) loses the `null` of a `["T", "null"]` type (absent is how it is
/// left out), an `anyOf` of a `$ref` and `null` becomes the `$ref`, and a `oneOf` of
/// string constants becomes one `enum`. Input schemas get their `$defs` inlined (each
/// is used once) and no `default: false`. Output schemas keep `$defs` (shared types,
/// recursive teams) and lose every `description`: the field names and the README say
/// what they are, and the input side already said it.
pub fn tidy_schema(schema: &mut JsonObject, output: bool) {
    if !output && let Some(Value::Object(defs)) = schema.remove("$defs") {
        // Input types are not recursive: each `$ref` is replaced by its definition
        // (without the type's own doc; the property's says what it is for).
        for prop in schema.values_mut() {
            inline_refs(prop, &defs);
        }
    }
    let mut root = Value::Object(std::mem::take(schema));
    tidy(&mut root, output);
    if let Value::Object(map) = root {
        *schema = map;
    }
    inline_scalar_defs(schema);
    merge_equal_defs(schema);
    inline_single_use_defs(schema);
}

/// Counts `$ref`s to `#/$defs/<name>` in `v`.
fn count_refs(v: &Value, name: &str) -> usize {
    match v {
        Value::Object(map) => {
            let here = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .is_some_and(|r| r == name);
            usize::from(here) + map.values().map(|c| count_refs(c, name)).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(|c| count_refs(c, name)).sum(),
        _ => 0,
    }
}

/// A definition referenced once (and not by itself) is written where it is used:
/// `$defs` keep only the types that repeat (or recurse).
fn inline_single_use_defs(schema: &mut JsonObject) {
    loop {
        let Some(Value::Object(defs)) = schema.get("$defs") else {
            return;
        };
        let whole = Value::Object(schema.clone());
        let single = defs
            .iter()
            .find(|(name, def)| count_refs(&whole, name) == 1 && count_refs(def, name) == 0);
        let Some((name, def)) = single.map(|(n, d)| (n.clone(), d.clone())) else {
            return;
        };
        if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
            defs.remove(&name);
            if defs.is_empty() {
                schema.remove("$defs");
            }
        }
        let one: Map<String, Value> = [(name, def)].into_iter().collect();
        for v in schema.values_mut() {
            inline_refs(v, &one);
        }
    }
}

/// A definition that is a bare scalar (`OrchestrationId` is `{"type": "string"}`) is
/// written in place: the reference costs more than the type.
fn inline_scalar_defs(schema: &mut JsonObject) {
    let Some(Value::Object(defs)) = schema.get_mut("$defs") else {
        return;
    };
    let scalars: Map<String, Value> = defs
        .iter()
        .filter(|(_, d)| {
            d.as_object()
                .is_some_and(|o| o.len() == 1 && o.get("type").is_some_and(|t| t != "object"))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if scalars.is_empty() {
        return;
    }
    defs.retain(|k, _| !scalars.contains_key(k));
    if defs.is_empty() {
        schema.remove("$defs");
    }
    for v in schema.values_mut() {
        inline_refs(v, &scalars);
    }
}

/// Definitions that became equal once tidied (`WatchEvent<MilestoneKind>` and
/// `WatchEvent<AnomalyKind>` differ only in their kinds' docs... or not at all) are
/// kept once; references to the others point at it.
fn merge_equal_defs(schema: &mut JsonObject) {
    let Some(Value::Object(defs)) = schema.get("$defs") else {
        return;
    };
    let mut renames: Vec<(String, String)> = Vec::new();
    let names: Vec<&String> = defs.keys().collect();
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().find(|n| {
            defs.get(n.as_str()) == defs.get(name.as_str())
                && !renames.iter().any(|(from, _)| from == n.as_str())
        }) {
            renames.push(((*name).clone(), (*first).clone()));
        }
    }
    if renames.is_empty() {
        return;
    }
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for (from, _) in &renames {
            defs.remove(from);
        }
    }
    let mut root = Value::Object(std::mem::take(schema));
    rename_refs(&mut root, &renames);
    if let Value::Object(map) = root {
        *schema = map;
    }
}

fn rename_refs(v: &mut Value, renames: &[(String, String)]) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some((_, to)) = renames
                    .iter()
                    .find(|(from, _)| r.strip_prefix("#/$defs/") == Some(from.as_str()))
            {
                *r = format!("#/$defs/{to}");
            }
            map.values_mut().for_each(|c| rename_refs(c, renames));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rename_refs(c, renames)),
        _ => {}
    }
}

fn tidy(v: &mut Value, output: bool) {
    let Value::Object(map) = v else { return };
    map.remove("$schema");
    map.remove("title");
    map.remove("format");
    // `minimum: 0` of unsigned integers: serde refuses negative input anyway.
    if map.get("minimum") == Some(&Value::from(0)) {
        map.remove("minimum");
    }
    if !output && map.get("default") == Some(&Value::Bool(false)) {
        map.remove("default");
    }
    if output {
        map.remove("description");
    }
    // A `oneOf` of string constants and enums (schemars splits documented variants
    // out) is one enum.
    if let Some(Value::Array(variants)) = map.get("oneOf") {
        let values: Option<Vec<Value>> = variants
            .iter()
            .map(|v| match (v.get("const"), v.get("enum")) {
                (Some(c), _) => Some(vec![c.clone()]),
                (None, Some(Value::Array(e))) => Some(e.clone()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat());
        if let Some(values) = values {
            map.remove("oneOf");
            map.insert("type".into(), "string".into());
            map.insert("enum".into(), Value::Array(values));
        }
    }
    // Output: a nullable property is written as absent instead (see `drop_nulls`).
    if output && let Some(Value::Object(props)) = map.get("properties") {
        let nullable: Vec<String> = props
            .iter()
            .filter(|(_, p)| allows_null(p))
            .map(|(k, _)| k.clone())
            .collect();
        if let Some(Value::Array(required)) = map.get_mut("required") {
            required.retain(|r| !r.as_str().is_some_and(|r| nullable.iter().any(|n| n == r)));
        }
    }
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Keys whose value is a map of name -> schema (the names are not keywords).
    for key in ["properties", "$defs", "patternProperties"] {
        if let Some(Value::Object(named)) = map.get_mut(key) {
            for (name, schema) in named.iter_mut() {
                if key == "properties" && !required.contains(name) {
                    drop_null(schema);
                }
                tidy(schema, output);
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(schema) = map.get_mut(key) {
            tidy(schema, output);
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(schemas)) = map.get_mut(key) {
            schemas.iter_mut().for_each(|s| tidy(s, output));
        }
    }
}

fn inline_refs(v: &mut Value, defs: &Map<String, Value>) {
    match v {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| defs.get(name));
            if let Some(Value::Object(def)) = target {
                map.remove("$ref");
                for (k, v) in def {
                    if k != "description" {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
            map.values_mut().for_each(|c| inline_refs(c, defs));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| inline_refs(c, defs)),
        _ => {}
    }
}

/// Whether a property schema admits `null`.
fn allows_null(prop: &Value) -> bool {
    let null = Value::from("null");
    match prop.get("type") {
        Some(Value::Array(types)) => types.contains(&null),
        Some(t) => *t == null,
        None => prop
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|arms| arms.iter().any(|a| a.get("type") == Some(&null))),
    }
}

/// Removes null fields from objects, at any depth, except inside `metadata` (agent
/// data, passed through as written). The records some tools return as they are
/// (lifecycle outcomes, harness reports) write `null` for "none"; a reply leaves
/// those fields out, as the output schemas say.
pub fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (k, v) in map.iter_mut() {
                if k != "metadata" {
                    drop_nulls(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// `{"type": ["T", "null"]}` -> `{"type": "T"}`; `{"anyOf": [X, {"type": "null"}]}` -> X.
fn drop_null(prop: &mut Value) {
    let Value::Object(map) = prop else { return };
    if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let replacement = match kept.len() {
            1 => kept[0].clone(),
            _ => Value::Array(kept),
        };
        map.insert("type".into(), replacement);
    }
    let any_of_null = map.get("anyOf").and_then(Value::as_array).and_then(|arms| {
        let (nulls, others): (Vec<&Value>, Vec<&Value>) = arms
            .iter()
            .partition(|a| a.get("type") == Some(&Value::from("null")));
        (nulls.len() == 1 && others.len() == 1).then(|| others[0].clone())
    });
    if let Some(Value::Object(only)) = any_of_null {
        map.remove("anyOf");
        for (k, v) in only {
            map.entry(k).or_insert(v);
        }
    }
    // `"default": null` says nothing once null is not a value.
    if map.get("default") == Some(&Value::Null) {
        map.remove("default");
    }
}

/// Applies [`tidy_schema`] to every tool of a router: inputs and outputs.
pub fn tidy_schemas<S>(router: &mut rmcp::handler::server::router::tool::ToolRouter<S>) {
    for route in router.map.values_mut() {
        let mut input = route.attr.input_schema.as_ref().clone();
        tidy_schema(&mut input, false);
        route.attr.input_schema = std::sync::Arc::new(input);
        if let Some(out) = &route.attr.output_schema {
            let mut out = out.as_ref().clone();
            tidy_schema(&mut out, true);
            route.attr.output_schema = Some(std::sync::Arc::new(out));
        }
    }
}
