// test/static/k8s-schema.js — every Kubernetes object of a JSON array (the
// objects `kubectl kustomize k8s/` renders) validated against the Kubernetes
// API schema, strictly.
//
//   node test/static/k8s-schema.js NODE_MODULES OBJECTS.json
//
// The schema is the one of the kubernetes-models npm package (its ajv
// validators, generated from the Kubernetes OpenAPI definitions): types,
// required fields, enums, formats.  That schema lets unknown fields through
// (the API server drops them, or refuses them with --validate=strict), so a
// misspelled field would pass: here each object is wrapped so that the fields
// the validator reads are recorded, and a field of an object that the schema
// never read is an unknown field, an error.  Maps (labels, data, resources)
// are read key by key by the validator, so their keys count as known.
//
// One line per object, "ok - k8s schema: Kind/name" or
// "not ok - k8s schema: Kind/name: what is wrong" (the format of checks.py).
'use strict';

const fs = require('fs');
const path = require('path');

const [modules, input] = process.argv.slice(2);
if (!modules || !input) {
    console.error('usage: node k8s-schema.js NODE_MODULES OBJECTS.json');
    process.exit(2);
}
const models = path.resolve(modules, 'kubernetes-models');

// apiVersion + kind -> the schema's validate function, or an error message
function validatorOf(apiVersion, kind) {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const file = path.join(models, group, version, kind + '.js');
    if (!/^[A-Za-z0-9.]*$/.test(group) || !/^[A-Za-z0-9]+$/.test(version) || !/^[A-Za-z0-9]+$/.test(kind) ||
        !fs.existsSync(file)) {
        return `no ${apiVersion} ${kind} in the Kubernetes API`;
    }
    // the model module exports its class under the schema's name too (IoK8sApi...)
    const names = Object.keys(require(file)).filter((name) => name.startsWith('IoK8s'));
    if (names.length !== 1) return `cannot find the schema of ${apiVersion} ${kind}`;
    const schema = path.join(models, '_schemas', names[0] + '.js');
    if (!fs.existsSync(schema)) return `cannot find ${schema}`;
    return require(schema).validate;
}

// A copy of value whose plain objects record the properties read from them.
function tracked(value, where, nodes) {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item, i) => tracked(item, `${where}/${i}`, nodes));
    const node = { where, keys: Object.keys(value), read: new Set() };
    nodes.push(node);
    const copy = {};
    for (const key of node.keys) copy[key] = tracked(value[key], `${where}/${key}`, nodes);
    return new Proxy(copy, {
        get(target, key, receiver) {
            if (typeof key === 'string') node.read.add(key);
            return Reflect.get(target, key, receiver);
        },
        has(target, key) {
            if (typeof key === 'string') node.read.add(key);
            return Reflect.has(target, key);
        },
    });
}

function check(object) {
    const problems = [];
    if (object === null || typeof object !== 'object' || Array.isArray(object)) return ['not an object'];
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['no apiVersion or kind'];
    const validate = validatorOf(apiVersion, kind);
    if (typeof validate === 'string') return [validate];
    const nodes = [];
    const copy = tracked(object, '', nodes);
    if (!validate(copy)) {
        for (const error of validate.errors || []) {
            problems.push(`${error.instancePath || '/'} ${error.message || error.keyword}` +
                (error.params && Object.keys(error.params).length ? ' ' + JSON.stringify(error.params) : ''));
        }
    }
    for (const node of nodes) {
        for (const key of node.keys) {
            if (!node.read.has(key)) problems.push(`${node.where}/${key}: unknown field`);
        }
    }
    return problems;
}

const objects = JSON.parse(fs.readFileSync(input, 'utf8'));
let bad = 0;
for (const object of objects) {
    const name = `${object && object.kind}/${object && object.metadata &&
        (object.metadata.name || object.metadata.generateName)}`;
    const problems = check(object);
    if (problems.length) {
        bad++;
        console.log(`not ok - k8s schema: ${name}: ${problems.join('; ')}`);
    } else {
        console.log(`ok - k8s schema: ${name}`);
    }
}
if (!objects.length) {
    console.log('not ok - k8s schema: no object to check');
    bad++;
}
process.exit(bad ? 1 : 0);
