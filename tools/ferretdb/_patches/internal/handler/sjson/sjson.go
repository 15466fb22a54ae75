// Copyright 2021 FerretDB Inc.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Package sjson provides converters from/to jsonb with some extensions for built-in and `types` types.
//
// See contributing guidelines and documentation for package `types` for details.
//
// # Mapping
//
// SJSON uses schema to map values to data types.
// Schema is stored in the `$s` field of the document and contains information about the fields.
// A document with schema looks like this:
//
//	{
//	   "$s": {
//	     "$k": ["field1", "field2", ...],
//	     "p": {
//	       "field1": {<schema>},
//	       "field2": {<schema>},
//	       ...
//	   }
//	   "field1": <json representation>,
//	   "field2": <json representation>,
//	   ...
//	}
//
// Composite types
//
//	Alias      types package    sjson package        sjson schema                                             JSON representation
//
//	object     *types.Document  *sjson.documentType  {"t":"object", "$s": {"$k":[<keys>], "p":{<properties>}} JSON object
//	array      *types.Array     *sjson.arrayType     {"t":"array", "i": [<item 1>, <item 2>]}                 JSON array
//
// Scalar types
//
//	Alias      types package    sjson package         sjson schema                           JSON representation
//
//	double     float64          *sjson.doubleType     {"t":"double"}                         JSON number
//	string     string           *sjson.stringType     {"t":"string"}                         JSON string
//	binData    types.Binary     *sjson.binaryType     {"t":"binData",
//	                                                   "s":<subtype number>}                 "<base 64 string>"
//	objectId   types.ObjectID   *sjson.objectIDType   {"t":"objectId"}                       "<ObjectID as 24 character hex string>"
//	bool       bool             *sjson.boolType       {"t":"bool"}                           JSON true / false values
//	date       time.Time        *sjson.dateTimeType   {"t":"date"}                           milliseconds since epoch as JSON number
//	null       types.NullType   *sjson.nullType       {"t":"null"}                           JSON null
//	regex      types.Regex      *sjson.regexType      {"t":"regex",
//	                                                   "o": "<string w/o terminating 0x0>"}  "<string w/o terminating 0x0>"
//	int        int32            *sjson.int32Type      {"t":"int"}                            JSON number
//	timestamp  types.Timestamp  *sjson.timestampType  {"t":"timestamp"}                      JSON number
//	long       int64            *sjson.int64Type      {"t":"long"}                           JSON number
//
//nolint:lll // for readability
package sjson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/AlekSi/pointer"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// sjsontype is a type that can be marshaled from/to sjson.
//
//sumtype:decl
type sjsontype interface {
	sjsontype() // seal for sumtype

	json.Marshaler
}

// checkConsumed returns error if decoder or reader have buffered or unread data.
func checkConsumed(dec *json.Decoder, r *bytes.Reader) error {
	if dr := dec.Buffered().(*bytes.Reader); dr.Len() != 0 {
		b, _ := io.ReadAll(dr)

		if l := len(b); l != 0 {
			return lazyerrors.Errorf("%d bytes remains in the decoder: %s", l, b)
		}
	}

	if l := r.Len(); l != 0 {
		b, _ := io.ReadAll(r)
		return lazyerrors.Errorf("%d bytes remains in the reader: %s", l, b)
	}

	return nil
}

// fromSJSON converts sjsontype value to matching built-in or types' package value.
func fromSJSON(v sjsontype) any {
	switch v := v.(type) {
	case *documentType:
		return pointer.To(types.Document(*v))
	case *arrayType:
		return pointer.To(types.Array(*v))
	case *doubleType:
		return float64(*v)
	case *stringType:
		return string(*v)
	case *binaryType:
		return types.Binary(*v)
	case *objectIDType:
		return types.ObjectID(*v)
	case *boolType:
		return bool(*v)
	case *dateTimeType:
		return time.Time(*v)
	case *nullType:
		return types.Null
	case *regexType:
		return types.Regex(*v)
	case *int32Type:
		return int32(*v)
	case *timestampType:
		return types.Timestamp(*v)
	case *int64Type:
		return int64(*v)
	}

	panic(fmt.Sprintf("not reached: %T", v)) // for sumtype to work
}

// toSJSON converts built-in or types' package value to sjsontype value.
func toSJSON(v any) sjsontype {
	switch v := v.(type) {
	case *types.Document:
		return pointer.To(documentType(*v))
	case *types.Array:
		return pointer.To(arrayType(*v))
	case float64:
		return pointer.To(doubleType(v))
	case string:
		return pointer.To(stringType(v))
	case types.Binary:
		return pointer.To(binaryType(v))
	case types.ObjectID:
		return pointer.To(objectIDType(v))
	case bool:
		return pointer.To(boolType(v))
	case time.Time:
		return pointer.To(dateTimeType(v))
	case types.NullType:
		return pointer.To(nullType(v))
	case types.Regex:
		return pointer.To(regexType(v))
	case int32:
		return pointer.To(int32Type(v))
	case types.Timestamp:
		return pointer.To(timestampType(v))
	case int64:
		return pointer.To(int64Type(v))
	}

	panic(fmt.Sprintf("not reached: %T", v)) // for sumtype to work
}

// Unmarshal decodes the top-level document.
// It decodes document's schema from the `$s` field and uses it to decode the data of the document.
func Unmarshal(data []byte) (*types.Document, error) {
	v, err := splitOrDecode(data, splitObject)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	// decode schema from the $s field of the document
	jsch, ok := v["$s"]
	if !ok {
		return nil, lazyerrors.Errorf("schema is not set")
	}

	sch, err := decodeSchema(jsch)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	delete(v, "$s")

	// decode data from the rest of the document using the schema
	if len(sch.Keys) != len(v) {
		return nil, lazyerrors.Errorf(
			"sjson.Unmarshal: the data must have the same number of schema keys and document fields (keys: %d, fields: %d)",
			len(sch.Keys), len(v),
		)
	}

	d := must.NotFail(types.NewDocument())

	for _, key := range sch.Keys {
		b, ok := v[key]

		if !ok {
			return nil, lazyerrors.Errorf("sjson.Unmarshal: missing key %q", key)
		}

		v, err := unmarshalSingleValue(b, sch.Properties[key])
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		d.Set(key, v)
	}

	return d, nil
}

// splitOrDecode returns what split makes of data, or, when split is not sure of it, what a
// json.Decoder makes of it (upstream's path, with its errors).
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches).
func splitOrDecode[T any](data []byte, split func([]byte) (T, bool)) (T, error) {
	if v, ok := split(data); ok {
		return v, nil
	}

	var v T

	r := bytes.NewReader(data)
	dec := json.NewDecoder(r)

	if err := dec.Decode(&v); err != nil {
		return v, lazyerrors.Error(err)
	}

	if err := checkConsumed(dec, r); err != nil {
		return v, lazyerrors.Error(err)
	}

	return v, nil
}

// splitObject splits a JSON object into its members' raw values (slices of data, not copies);
// ok is false when data is not an object this simple scanner is sure of (a key with an escape,
// anything malformed), which then takes the general path. Values are validated where decoded.
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): upstream
// split every document read with a json.Decoder into a map of copies, a third of the time spent
// reading documents.
func splitObject(data []byte) (map[string]json.RawMessage, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}

	res := make(map[string]json.RawMessage, 32)

	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return res, skipSpace(data, i+1) == len(data)
	}

	for {
		end, escaped := stringEnd(data, i)
		if end < 0 || escaped {
			return nil, false
		}

		key := string(data[i+1 : end-1])

		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}

		i = skipSpace(data, i+1)

		valueEnd := skipValue(data, i)
		if valueEnd < 0 {
			return nil, false
		}

		res[key] = data[i:valueEnd:valueEnd]

		i = skipSpace(data, valueEnd)
		if i >= len(data) {
			return nil, false
		}

		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return res, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

// splitArray is splitObject for a JSON array.
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches).
func splitArray(data []byte) ([]json.RawMessage, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}

	res := []json.RawMessage{}

	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return res, skipSpace(data, i+1) == len(data)
	}

	for {
		valueEnd := skipValue(data, i)
		if valueEnd < 0 {
			return nil, false
		}

		res = append(res, data[i:valueEnd:valueEnd])

		i = skipSpace(data, valueEnd)
		if i >= len(data) {
			return nil, false
		}

		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return res, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}

	return i
}

// stringEnd returns the index after the string starting at data[i] (-1 if there is none) and
// whether it holds an escape.
func stringEnd(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return -1, false
	}

	escaped := false

	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			return -1, false
		}
	}

	return -1, false
}

// skipValue returns the index after the value starting at data[i], -1 if it is malformed.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}

	switch data[i] {
	case '"':
		end, _ := stringEnd(data, i)
		return end
	case '{', '[':
		depth := 0

		for i < len(data) {
			switch data[i] {
			case '"':
				end, _ := stringEnd(data, i)
				if end < 0 {
					return -1
				}

				i = end

				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}

			i++
		}

		return -1
	default:
		start := i
		for i < len(data) && data[i] != ',' && data[i] != '}' && data[i] != ']' &&
			data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r' {
			i++
		}

		if i == start {
			return -1
		}

		return i
	}
}

// schemaCacheSize bounds the decoded schemas kept; past it the cache starts again empty.
const schemaCacheSize = 4096

var (
	schemaCacheM sync.RWMutex
	schemaCache  = make(map[string]*schema, schemaCacheSize)
)

// decodeSchema returns the decoded form of a document's `$s`, decoded once per distinct text.
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches). Upstream
// decoded the schema of every document read, though the documents of a collection nearly all
// share a handful of schemas: half of the time spent reading documents. Decoded schemas are
// only read, never changed, so one value serves every reader.
func decodeSchema(jsch []byte) (*schema, error) {
	schemaCacheM.RLock()
	cached := schemaCache[string(jsch)]
	schemaCacheM.RUnlock()

	if cached != nil {
		return cached, nil
	}

	var sch schema
	r := bytes.NewReader(jsch)
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()

	if err := dec.Decode(&sch); err != nil {
		return nil, lazyerrors.Error(err)
	}

	if err := checkConsumed(dec, r); err != nil {
		return nil, lazyerrors.Error(err)
	}

	schemaCacheM.Lock()
	if len(schemaCache) >= schemaCacheSize {
		schemaCache = make(map[string]*schema, schemaCacheSize)
	}
	schemaCache[string(jsch)] = &sch
	schemaCacheM.Unlock()

	return &sch, nil
}

// unmarshalSingleValue decodes the given sjson-encoded data element by the given schema.
func unmarshalSingleValue(data json.RawMessage, sch *elem) (any, error) {
	if bytes.Equal(data, []byte("null")) {
		return fromSJSON(new(nullType)), nil
	}

	if sch == nil {
		return nil, lazyerrors.Errorf("schema is not set")
	}

	if v, ok := fastScalar(data, sch.Type); ok {
		return v, nil
	}

	var res sjsontype
	var err error

	switch sch.Type {
	case elemTypeObject:
		if sch.Schema == nil {
			return nil, lazyerrors.Errorf("sjson.unmarshalSingleValue: schema is not set")
		}

		var d documentType
		err = d.UnmarshalJSONWithSchema(data, sch.Schema)
		res = &d
	case elemTypeArray:
		if sch.Items == nil {
			return nil, lazyerrors.Errorf("sjson.unmarshalSingleValue: schema's items are not set")
		}

		var a arrayType
		err = a.UnmarshalJSONWithSchema(data, sch.Items)
		res = &a
	case elemTypeDouble:
		var d doubleType
		err = d.UnmarshalJSON(data)
		res = &d
	case elemTypeString:
		var s stringType
		err = s.UnmarshalJSON(data)
		res = &s
	case elemTypeBinData:
		var b binaryType
		err = b.UnmarshalJSONWithSchema(data, sch)
		res = &b
	case elemTypeObjectID:
		var o objectIDType
		err = o.UnmarshalJSON(data)
		res = &o
	case elemTypeBool:
		var b boolType
		err = b.UnmarshalJSON(data)
		res = &b
	case elemTypeDate:
		var d dateTimeType
		err = d.UnmarshalJSON(data)
		res = &d
	case elemTypeNull:
		return nil, lazyerrors.Errorf("sjson.unmarshalSingleValue: expected null, got %s", data)
	case elemTypeRegex:
		var r regexType
		err = r.UnmarshalJSONWithSchema(data, sch)
		res = &r
	case elemTypeInt:
		var i int32Type
		err = i.UnmarshalJSON(data)
		res = &i
	case elemTypeTimestamp:
		var t timestampType
		err = t.UnmarshalJSON(data)
		res = &t
	case elemTypeLong:
		var l int64Type
		err = l.UnmarshalJSON(data)
		res = &l
	default:
		return nil, lazyerrors.Errorf("sjson.unmarshalSingleValue: unhandled type %q", sch.Type)
	}

	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return fromSJSON(res), nil
}

// fastScalar decodes the common forms of strings, integers, booleans and dates directly; ok is
// false for anything else (escapes, other types, malformed data), which takes the general path.
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches). Upstream
// decoded every field of every document read through a json.Decoder of its own (a buffer and a
// reflection walk per value): most of the server's CPU when reading documents. The values are
// the same: a JSON string with no escape is its bytes, an integer is its digits.
func fastScalar(data []byte, t elemType) (any, bool) {
	switch t {
	case elemTypeString:
		n := len(data)
		if n < 2 || data[0] != '"' || data[n-1] != '"' {
			return nil, false
		}
		inner := data[1 : n-1]
		for _, c := range inner {
			if c < 0x20 || c == '"' || c == '\\' {
				return nil, false
			}
		}
		if !utf8.Valid(inner) {
			return nil, false
		}
		return string(inner), true
	case elemTypeBool:
		switch string(data) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case elemTypeInt:
		if i, err := strconv.ParseInt(string(data), 10, 32); err == nil && plainInteger(data) {
			return int32(i), true
		}
	case elemTypeLong:
		if i, err := strconv.ParseInt(string(data), 10, 64); err == nil && plainInteger(data) {
			return i, true
		}
	case elemTypeDate:
		if i, err := strconv.ParseInt(string(data), 10, 64); err == nil && plainInteger(data) {
			return time.UnixMilli(i), true
		}
	}

	return nil, false
}

// plainInteger reports whether data is an integer as JSON writes it (no sign but minus, no
// leading zero), the only form fastScalar takes.
func plainInteger(data []byte) bool {
	if len(data) > 0 && data[0] == '-' {
		data = data[1:]
	}

	if len(data) == 0 || data[0] < '0' || data[0] > '9' {
		return false
	}

	return data[0] != '0' || len(data) == 1
}

// Marshal encodes given document fields and set its schema in the field $s.
// Use it when you need to encode a document with schema, for example, when you want to store it in a database.
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): the schema and
// the values are appended to one buffer in one walk of the document. Upstream built the schema
// through encoding/json key by key, looked each value up again by name (quadratic in the
// fields), and gave every value a buffer of its own: a fifth of the CPU of an insert. The bytes
// are the same as upstream's; values this walk has no fast form for take upstream's encoder.
func Marshal(d *types.Document) ([]byte, error) {
	if d == nil {
		panic("v is nil")
	}

	buf := make([]byte, 0, 1024)
	buf = append(buf, `{"$s":`...)

	buf, err := appendSchema(buf, d)
	if err != nil {
		return nil, err
	}

	keys := d.Keys()
	values := d.Values()

	for i, key := range keys {
		// Upstream writes top-level keys as they are (the schema's copy is escaped).
		buf = append(buf, ',', '"')
		buf = append(buf, key...)
		buf = append(buf, '"', ':')

		if buf, err = appendValue(buf, values[i]); err != nil {
			return nil, lazyerrors.Error(err)
		}
	}

	return append(buf, '}'), nil
}

// appendSchema appends a document's schema, as upstream's marshalSchemaForDoc writes it.
func appendSchema(buf []byte, td *types.Document) ([]byte, error) {
	keys := td.Keys()
	if len(keys) == 0 {
		return append(buf, '{', '}'), nil
	}

	buf = append(buf, `{"p":`...)

	buf, err := appendMembers(buf, keys, td.Values(), appendElem)
	if err != nil {
		return nil, err
	}

	buf = append(buf, `,"$k":[`...)

	for i, key := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}

		buf = appendString(buf, key)
	}

	return append(buf, ']', '}'), nil
}

// appendElem appends one value's schema, as upstream's marshalElemForSingleValue writes it.
func appendElem(buf []byte, value any) ([]byte, error) {
	var err error

	switch val := value.(type) {
	case *types.Document:
		buf = append(buf, `{"t":"object","$s":`...)
		if buf, err = appendSchema(buf, val); err != nil {
			return nil, err
		}

		return append(buf, '}'), nil

	case *types.Array:
		buf = append(buf, `{"t":"array","i":`...)
		if buf, err = appendItems(buf, val, appendElem); err != nil {
			return nil, err
		}

		return append(buf, '}'), nil

	case float64:
		return append(buf, `{"t":"double"}`...), nil
	case string:
		return append(buf, `{"t":"string"}`...), nil
	case types.ObjectID:
		return append(buf, `{"t":"objectId"}`...), nil
	case bool:
		return append(buf, `{"t":"bool"}`...), nil
	case time.Time:
		return append(buf, `{"t":"date"}`...), nil
	case types.NullType:
		return append(buf, `{"t":"null"}`...), nil
	case int32:
		return append(buf, `{"t":"int"}`...), nil
	case types.Timestamp:
		return append(buf, `{"t":"timestamp"}`...), nil
	case int64:
		return append(buf, `{"t":"long"}`...), nil
	}

	// binData and regex carry options: upstream's encoder.
	b, err := marshalElemForSingleValue(value)
	if err != nil {
		return nil, err
	}

	return append(buf, b...), nil
}

// appendValue appends one value, as its sjson type's MarshalJSON writes it.
func appendValue(buf []byte, value any) ([]byte, error) {
	switch val := value.(type) {
	case *types.Document:
		return appendMembers(buf, val.Keys(), val.Values(), appendValue)
	case *types.Array:
		return appendItems(buf, val, appendValue)
	case string:
		return appendString(buf, val), nil
	case types.ObjectID:
		buf = append(buf, '"')
		buf = hex.AppendEncode(buf, val[:])

		return append(buf, '"'), nil
	case bool:
		return strconv.AppendBool(buf, val), nil
	case time.Time:
		return strconv.AppendInt(buf, val.UnixMilli(), 10), nil
	case types.NullType:
		return append(buf, "null"...), nil
	case int32:
		return strconv.AppendInt(buf, int64(val), 10), nil
	case int64:
		return strconv.AppendInt(buf, val, 10), nil
	}

	// Doubles (encoding/json's formatting and its refusal of NaN), binData, regex, timestamps.
	b, err := toSJSON(value).MarshalJSON()
	if err != nil {
		return nil, err
	}

	return append(buf, b...), nil
}

// appendMembers appends `{"key":<each(value)>,...}`, keys escaped as encoding/json does.
func appendMembers(buf []byte, keys []string, values []any, each func([]byte, any) ([]byte, error)) ([]byte, error) {
	var err error

	buf = append(buf, '{')

	for i, key := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}

		buf = appendString(buf, key)
		buf = append(buf, ':')

		if buf, err = each(buf, values[i]); err != nil {
			return nil, err
		}
	}

	return append(buf, '}'), nil
}

// appendItems appends `[<each(item)>,...]`.
func appendItems(buf []byte, arr *types.Array, each func([]byte, any) ([]byte, error)) ([]byte, error) {
	var err error

	buf = append(buf, '[')

	for i := 0; i < arr.Len(); i++ {
		if i > 0 {
			buf = append(buf, ',')
		}

		if buf, err = each(buf, must.NotFail(arr.Get(i))); err != nil {
			return nil, err
		}
	}

	return append(buf, ']'), nil
}

// appendString appends a JSON string as encoding/json writes it: printable ASCII other than
// the characters it escapes is copied; anything else takes encoding/json itself.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes

			return append(buf, b...)
		}
	}

	buf = append(buf, '"')
	buf = append(buf, s...)

	return append(buf, '"')
}

// MarshalSingleValue encodes given built-in or types' package value into sjson.
// Use it when you need to encode a single value, for example in a where clause.
func MarshalSingleValue(v any) ([]byte, error) {
	if v == nil {
		panic("v is nil")
	}

	b, err := toSJSON(v).MarshalJSON()
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return b, nil
}
