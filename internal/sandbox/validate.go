package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// validateRequest checks what every operation shares: path parameters,
// query parameters and, on POST, the body's media type.
func (x *exchange) validateRequest(rt *route) *apiError {
	var v violations
	for _, name := range sortedKeys(x.params) {
		val := x.params[name]
		if slices.Contains(freeParams, name) {
			continue
		}
		if name == "clusterName" || name == "name" { // name: the Flex routes' cluster
			if !clusterPattern().MatchString(val) {
				v.add(name, "%q must match %s", val, clusterPattern())
			}
		} else if !idPattern().MatchString(val) {
			v.add(name, "%q must be a 24-character hexadecimal ID (%s)", val, idPattern())
		}
	}
	for _, name := range append([]string{"envelope"}, rt.query...) {
		vals, ok := x.query[name]
		if !ok {
			continue
		}
		val := vals[0]
		switch name {
		case "envelope", "pretty", "includeCount", "includeDeletedWithRetainedBackups":
			if !strings.EqualFold(val, "true") && !strings.EqualFold(val, "false") {
				v.add(name, "%q must be true or false", val)
			}
		case "itemsPerPage":
			if n, err := strconv.Atoi(val); err != nil || n < 1 || n > 500 {
				v.add(name, "%q must be a whole number from 1 to 500", val)
			}
		case "pageNum":
			if n, err := strconv.Atoi(val); err != nil || n < 1 {
				v.add(name, "%q must be a whole number of at least 1", val)
			}
		case "state": // listRestoreJobCollections' filter
			if !slices.Contains(collectionStates, val) {
				v.add(name, "%q must be one of %s", val, strings.Join(collectionStates, ", "))
			}
		case "sourceNamespace", "targetNamespace": // any db.collection
		default: // pointInTimeUtcSeconds, oplogTs, oplogInc
			if _, err := strconv.ParseInt(val, 10, 64); err != nil {
				v.add(name, "%q must be a whole number", val)
			}
		}
	}
	if rt.op == "listBackupSnapshots" {
		_, pit := x.query["pointInTimeUtcSeconds"]
		_, ts := x.query["oplogTs"]
		_, inc := x.query["oplogInc"]
		if pit && (ts || inc) {
			v.add("pointInTimeUtcSeconds", "cannot be combined with oplogTs and oplogInc")
		}
		if ts != inc {
			v.add("oplogTs", "oplogTs and oplogInc must be given together")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if rt.method == http.MethodPost {
		if ct := x.r.Header.Get("Content-Type"); !jsonBody(ct) {
			return newError(http.StatusUnsupportedMediaType, codeMediaType,
				fmt.Sprintf("Content-Type %q is not supported: send %s.", ct, MediaType(x.version)))
		}
		if len(bytes.TrimSpace(x.body)) == 0 {
			return newError(http.StatusBadRequest, codeValidation, "The request body is required.")
		}
	}
	return nil
}

// freeParams are the path parameters the spec gives no pattern: names of
// databases and collections, and a db.collection namespace.
var freeParams = []string{"databaseName", "collectionName", "sourceNamespace"}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// body reads a JSON request body field by field, collecting violations.
type body struct {
	fields map[string]any
	v      violations
}

// parseBody decodes a JSON object and flags fields that are neither writable
// nor read-only attributes of the schema. Read-only ones are ignored, as
// Atlas ignores them.
func parseBody(raw []byte, writable, readOnly []string) (*body, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, newError(http.StatusBadRequest, codeValidation, "The request body must be a JSON object.")
	}
	b := &body{fields: m}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(writable, k) && !slices.Contains(readOnly, k) {
			b.v.add(k, "is not an attribute of this resource")
		}
	}
	return b, nil
}

func (b *body) has(name string) bool {
	_, ok := b.fields[name]
	return ok
}

// str returns a string field, checked against a pattern when one is given.
func (b *body) str(name string, required bool, re *regexp.Regexp) string {
	raw, ok := b.fields[name]
	if !ok {
		if required {
			b.v.add(name, "is required")
		}
		return ""
	}
	s, ok := raw.(string)
	if !ok {
		b.v.add(name, "must be a string")
		return ""
	}
	if re != nil && !re.MatchString(s) {
		b.v.add(name, "%q must match %s", s, re)
	}
	return s
}

// int32 returns an integer field that must fit int32 and be at least min.
func (b *body) int32(name string, min int64) int64 {
	raw, ok := b.fields[name]
	if !ok {
		return 0
	}
	num, ok := raw.(json.Number)
	n, err := num.Int64()
	if !ok || err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		b.v.add(name, "must be a 32-bit whole number")
		return 0
	}
	if n < min {
		b.v.add(name, "%d must be at least %d", n, min)
	}
	return n
}

// labels returns a customData array of {key, value} strings.
func (b *body) labels(name string) []label {
	raw, ok := b.fields[name]
	if !ok {
		return nil
	}
	arr, ok := raw.([]any)
	if !ok {
		b.v.add(name, "must be an array of {key, value} objects")
		return nil
	}
	out := make([]label, 0, len(arr))
	for i, item := range arr {
		field := fmt.Sprintf("%s[%d]", name, i)
		obj, ok := item.(map[string]any)
		if !ok {
			b.v.add(field, "must be an object with string key and value")
			continue
		}
		k, kok := obj["key"].(string)
		val, vok := obj["value"].(string)
		if !kok || k == "" {
			b.v.add(field+".key", "must be a non-empty string")
		}
		if _, present := obj["value"]; present && !vok {
			b.v.add(field+".value", "must be a string")
		}
		for attr := range obj {
			if attr != "key" && attr != "value" {
				b.v.add(field+"."+attr, "is not an attribute of a custom data entry")
			}
		}
		out = append(out, label{Key: k, Value: val})
	}
	return out
}
