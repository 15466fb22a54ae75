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

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/fsql"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// plainFieldName is a top-level field name that needs no quoting in an SQLite JSON path.
var plainFieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxPushedIn bounds the `$in` lists turned into SQL (SQLite's default limit on host parameters
// is 32,766 per statement; the hub's batches are at most a thousand).
const maxPushedIn = 5_000

// pushdownConditions is added by the entra-connector-hub FerretDB launcher
// (tools/ferretdb/_patches). Top-level equality with a string (`{connectorId: "..."}`), `$in` of
// strings, and `_id` equality or `$in` become SQL conditions written exactly as registry.go
// spells index columns (`_ferretdb_sjson->"field"`), so SQLite answers them from the collection's
// indexes instead of FerretDB decoding every document of the collection into Go values.
//
// Only a pre-filter: every caller still applies the whole filter to what is returned, so it may
// let through rows that do not match, never drop one that does. MongoDB also matches an array
// field that holds the value, so rows whose field is an array (JSON text starting with `[`) are
// always let through; that range is indexable too, so SQLite plans a MULTI-INDEX OR.
func pushdownConditions(filter *types.Document, indexes []metadata.IndexInfo) ([]string, []any) {
	if filter == nil || filter.Len() == 0 {
		return nil, nil
	}
	var conditions []string
	var args []any
	var equal []stringEquality
	for _, key := range filter.Keys() {
		value, _ := filter.Get(key)
		if key == "_id" {
			switch v := value.(type) {
			case string, types.ObjectID:
				conditions = append(conditions, metadata.IDColumn+" = ?")
				args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
			case *types.Document:
				if values := inValues(v, true); values != nil {
					conditions = append(conditions, metadata.IDColumn+" IN ("+placeholders(len(values))+")")
					args = append(args, values...)
				} else if lo, hi, ok := prefixRange(v); ok {
					conditions = append(conditions, metadata.IDColumn+" >= ? AND "+metadata.IDColumn+" < ?")
					args = append(args, lo, hi)
				}
			}
			continue
		}
		if !plainFieldName.MatchString(key) {
			continue
		}
		column := fmt.Sprintf("%s->%q", metadata.DefaultColumn, key)
		switch v := value.(type) {
		case string:
			value := string(must.NotFail(sjson.MarshalSingleValue(v)))
			equal = append(equal, stringEquality{field: key, column: column, value: value})
		case *types.Document:
			if values := inValues(v, false); values != nil {
				conditions = append(conditions, fmt.Sprintf("(%s IN (%s) OR %s)", column, placeholders(len(values)), arrayRange(column)))
				args = append(args, values...)
			}
		}
	}
	// The equalities a compound index starts with become one condition it answers; the others
	// each their own.
	compound, rest := byCompoundIndex(equal, indexes)
	if len(compound) > 0 {
		condition, equalArgs := equalitiesCondition(compound)
		conditions = append(conditions, condition)
		args = append(args, equalArgs...)
	}
	for _, e := range rest {
		conditions = append(conditions, fmt.Sprintf("(%s = ? OR %s)", e.column, arrayRange(e.column)))
		args = append(args, e.value)
	}
	return conditions, args
}

// byCompoundIndex splits the equalities into those the longest leading run of a compound index's
// fields covers (at least two, in the index's order) and the others, in the filter's order.
func byCompoundIndex(equal []stringEquality, indexes []metadata.IndexInfo) ([]stringEquality, []stringEquality) {
	byField := make(map[string]stringEquality, len(equal))
	for _, e := range equal {
		byField[e.field] = e
	}
	var best []stringEquality
	for _, index := range indexes {
		var run []stringEquality
		for _, pair := range index.Key {
			e, ok := byField[pair.Field]
			if !ok {
				break
			}
			run = append(run, e)
		}
		if len(run) >= 2 && len(run) > len(best) {
			best = run
		}
	}
	if len(best) > maxEqualitiesDNF {
		best = best[:maxEqualitiesDNF]
	}
	covered := make(map[string]bool, len(best))
	for _, e := range best {
		covered[e.field] = true
	}
	var rest []stringEquality
	for _, e := range equal {
		if !covered[e.field] {
			rest = append(rest, e)
		}
	}
	return best, rest
}

// arrayRange is the condition that a column's JSON text is an array (it starts with `[`).
func arrayRange(column string) string {
	return fmt.Sprintf("(%[1]s >= '[' AND %[1]s < '\\')", column)
}

// stringEquality is one top-level `{field: "value"}` of a filter: its index column expression
// and the value's sjson text.
type stringEquality struct {
	field  string
	column string
	value  string
}

// maxEqualitiesDNF bounds the fields written as one disjunction (its size grows with their
// square); the first ones of the index are taken.
const maxEqualitiesDNF = 4

// equalitiesCondition is added by the entra-connector-hub FerretDB launcher
// (tools/ferretdb/_patches). The string equalities a compound index starts with become one
// disjunction, in the index's field order, that SQLite answers from that index: all of them
// equal, or, for each field in turn, the fields before it equal and it an array (which MongoDB
// matches when it holds the value). With `(f = ? OR f is an array)` per field, SQLite sought on
// the index's first column only and parsed every row under that prefix: `{connectorId, status:
// "DISABLED"}` read every user of the connector (55 ms for 10,000 against 0.4 ms). Only for such
// an index: when the first field of the disjunction has no index of its own, no term of it can
// use one and SQLite scans. Every row that matches the filter matches one of the terms (take the
// first field that is not equal as a scalar), so this is still a pre-filter.
func equalitiesCondition(equal []stringEquality) (string, []any) {
	var terms []string
	var args []any
	all := make([]string, 0, len(equal))
	for _, e := range equal {
		all = append(all, e.column+" = ?")
		args = append(args, e.value)
	}
	terms = append(terms, "("+strings.Join(all, " AND ")+")")
	for j := range equal {
		term := make([]string, 0, j+1)
		for _, e := range equal[:j] {
			term = append(term, e.column+" = ?")
			args = append(args, e.value)
		}
		term = append(term, arrayRange(equal[j].column))
		terms = append(terms, "("+strings.Join(term, " AND ")+")")
	}
	return "(" + strings.Join(terms, " OR ") + ")", args
}

// inValues returns the sjson form of `{$in: [...]}` when it is the operator's only key and every
// element is a string (or an ObjectID, for `_id`); nil otherwise (nothing is pushed down).
func inValues(doc *types.Document, objectIDs bool) []any {
	if doc.Len() != 1 {
		return nil
	}
	raw, err := doc.Get("$in")
	if err != nil {
		return nil
	}
	arr, ok := raw.(*types.Array)
	if !ok || arr.Len() == 0 || arr.Len() > maxPushedIn {
		return nil
	}
	values := make([]any, 0, arr.Len())
	for i := 0; i < arr.Len(); i++ {
		element := must.NotFail(arr.Get(i))
		switch element.(type) {
		case string:
		case types.ObjectID:
			if !objectIDs {
				return nil
			}
		default:
			return nil
		}
		values = append(values, string(must.NotFail(sjson.MarshalSingleValue(element))))
	}
	return values
}

// prefixRange is added by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches).
// `{$gte: p, $lt: q}`, where q is p with its last character incremented, matches exactly the
// strings that start with p (the hub keeps a group's memberships under one `_id` prefix). When p
// holds only characters that JSON writes as themselves, the sjson text of every such string
// starts with `"p`, whatever follows, and no other value's does: the range on the unclosed JSON
// text is exact, and SQLite answers it from the `_id` index.
func prefixRange(doc *types.Document) (string, string, bool) {
	if doc.Len() != 2 {
		return "", "", false
	}
	lo, errLo := doc.Get("$gte")
	hi, errHi := doc.Get("$lt")
	if errLo != nil || errHi != nil {
		return "", "", false
	}
	p, okLo := lo.(string)
	q, okHi := hi.(string)
	if !okLo || !okHi || p == "" || len(q) != len(p) || q[:len(p)-1] != p[:len(p)-1] ||
		q[len(p)-1] != p[len(p)-1]+1 {
		return "", "", false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < '#' || c > '~' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return "", "", false
		}
	}
	return `"` + p, `"` + q, true
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// collection implements backends.Collection interface.
type collection struct {
	r      *metadata.Registry
	dbName string
	name   string
}

// newCollection creates a new Collection.
func newCollection(r *metadata.Registry, dbName, name string) backends.Collection {
	return backends.CollectionContract(&collection{
		r:      r,
		dbName: dbName,
		name:   name,
	})
}

// Query implements backends.Collection interface.
func (c *collection) Query(ctx context.Context, params *backends.QueryParams) (*backends.QueryResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return &backends.QueryResult{
			Iter: newQueryIterator(ctx, nil, params.OnlyRecordIDs),
		}, nil
	}

	meta := c.r.CollectionGet(ctx, c.dbName, c.name)
	if meta == nil {
		return &backends.QueryResult{
			Iter: newQueryIterator(ctx, nil, params.OnlyRecordIDs),
		}, nil
	}

	q := prepareSelectClause(meta.TableName, params.Comment, meta.Capped(), params.OnlyRecordIDs)

	// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): conditions
	// are collected and joined below, so the pushdowns added here combine with upstream's.
	var conditions []string
	var args []any

	// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): see
	// pushdownConditions. Upstream pushed down `_id` equality only when it was the whole filter.
	pushed, pushedArgs := pushdownConditions(params.Filter, meta.Settings.Indexes)
	conditions = append(conditions, pushed...)
	args = append(args, pushedArgs...)

	// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): see QueryParams.FromRecordID.
	if params.FromRecordID != 0 && meta.Capped() {
		conditions = append(conditions, metadata.RecordIDColumn+" >= ?")
		args = append(args, params.FromRecordID)
	}

	var whereClause string
	if len(conditions) > 0 {
		whereClause = " WHERE " + strings.Join(conditions, " AND ")
	}

	q += whereClause
	q += prepareOrderByClause(params.Sort)

	if params.Limit != 0 {
		q += ` LIMIT ?`
		args = append(args, params.Limit)
	}

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return &backends.QueryResult{
		Iter: newQueryIterator(ctx, rows, params.OnlyRecordIDs),
	}, nil
}

// InsertAll implements backends.Collection interface.
func (c *collection) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) {
	if _, err := c.r.CollectionCreate(ctx, &metadata.CollectionCreateParams{DBName: c.dbName, Name: c.name}); err != nil {
		return nil, lazyerrors.Error(err)
	}

	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	meta := c.r.CollectionGet(ctx, c.dbName, c.name)

	err := db.InTransaction(ctx, func(tx *fsql.Tx) error {
		batchSize := c.r.BatchSize
		if batchSize < 1 {
			panic("batch-size should be greater or equal to 1")
		}

		// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): a
		// capped collection's record IDs (its natural order, what a tailable cursor follows) are
		// taken again here, under the database's write lock and before the commit, so they
		// increase in commit order. The backend contract took them before the lock: two
		// concurrent inserts could commit in the opposite order, and a tailable cursor that had
		// already returned the higher record ID never returned the lower one. MongoDB serializes
		// the writes of a capped collection for the same reason:
		// https://www.mongodb.com/docs/manual/core/capped-collections/
		if meta.Capped() {
			now := time.Now()
			for _, doc := range params.Docs {
				doc.SetRecordID(types.NextTimestamp(now).Signed())
			}
		}

		var batch []*types.Document
		docs := params.Docs

		for len(docs) > 0 {
			i := min(batchSize, len(docs))
			batch, docs = docs[:i], docs[i:]

			q, args, err := prepareInsertStatement(meta.TableName, meta.Capped(), batch)
			if err != nil {
				return lazyerrors.Error(err)
			}

			if _, err = tx.ExecContext(ctx, q, args...); err != nil {
				var se *sqlite3.Error
				if errors.As(err, &se) && se.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE {
					return backends.NewError(backends.ErrorCodeInsertDuplicateID, err)
				}

				return lazyerrors.Error(err)
			}
		}

		return nil
	})
	if err != nil {
		return nil, err
	}

	return new(backends.InsertAllResult), nil
}

// UpdateAll implements backends.Collection interface.
func (c *collection) UpdateAll(ctx context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) {
	var res backends.UpdateAllResult
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return &res, nil
	}

	meta := c.r.CollectionGet(ctx, c.dbName, c.name)
	if meta == nil {
		return &res, nil
	}

	q := fmt.Sprintf(`UPDATE %q SET %s = ? WHERE %s = ?`, meta.TableName, metadata.DefaultColumn, metadata.IDColumn)

	err := db.InTransaction(ctx, func(tx *fsql.Tx) error {
		for _, doc := range params.Docs {
			b, err := sjson.Marshal(doc)
			if err != nil {
				return lazyerrors.Error(err)
			}

			id, _ := doc.Get("_id")
			must.NotBeZero(id)

			arg := string(must.NotFail(sjson.MarshalSingleValue(id)))

			r, err := tx.ExecContext(ctx, q, string(b), arg)
			if err != nil {
				// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): a
				// unique index broken by an update is named as InsertAll names it, so the handler
				// answers with MongoDB's duplicate key write error instead of a failed command.
				var se *sqlite3.Error
				if errors.As(err, &se) && se.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE {
					return backends.NewError(backends.ErrorCodeInsertDuplicateID, err)
				}

				return lazyerrors.Error(err)
			}

			ra, err := r.RowsAffected()
			if err != nil {
				return lazyerrors.Error(err)
			}

			res.Updated += int32(ra)
		}

		return nil
	})
	if err != nil {
		return nil, err
	}

	return &res, nil
}

// DeleteAll implements backends.Collection interface.
func (c *collection) DeleteAll(ctx context.Context, params *backends.DeleteAllParams) (*backends.DeleteAllResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return &backends.DeleteAllResult{Deleted: 0}, nil
	}

	meta := c.r.CollectionGet(ctx, c.dbName, c.name)
	if meta == nil {
		return &backends.DeleteAllResult{Deleted: 0}, nil
	}

	// TODO https://github.com/FerretDB/FerretDB/issues/3888

	var column string
	var placeholders []string
	var args []any

	if params.RecordIDs == nil {
		placeholders = make([]string, len(params.IDs))
		args = make([]any, len(params.IDs))

		for i, id := range params.IDs {
			placeholders[i] = "?"
			args[i] = string(must.NotFail(sjson.MarshalSingleValue(id)))
		}

		column = metadata.IDColumn
	} else {
		placeholders = make([]string, len(params.RecordIDs))
		args = make([]any, len(params.RecordIDs))

		for i, id := range params.RecordIDs {
			placeholders[i] = "?"
			args[i] = id
		}

		column = metadata.RecordIDColumn
	}

	q := fmt.Sprintf(`DELETE FROM %q WHERE %s IN (%s)`, meta.TableName, column, strings.Join(placeholders, ", "))

	res, err := db.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	ra, err := res.RowsAffected()
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return &backends.DeleteAllResult{
		Deleted: int32(ra),
	}, nil
}

// Explain implements backends.Collection interface.
func (c *collection) Explain(ctx context.Context, params *backends.ExplainParams) (*backends.ExplainResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return &backends.ExplainResult{
			QueryPlanner: must.NotFail(types.NewDocument()),
		}, nil
	}

	meta := c.r.CollectionGet(ctx, c.dbName, c.name)
	if meta == nil {
		return &backends.ExplainResult{
			QueryPlanner: must.NotFail(types.NewDocument()),
		}, nil
	}

	selectClause := prepareSelectClause(meta.TableName, "", meta.Capped(), false)

	var filterPushdown bool
	var whereClause string
	var args []any

	// that logic should exist in one place
	// TODO https://github.com/FerretDB/FerretDB/issues/3235
	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}

	orderByClause := prepareOrderByClause(params.Sort)
	sortPushdown := orderByClause != ""

	q := `EXPLAIN QUERY PLAN ` + selectClause + whereClause + orderByClause

	var limitPushdown bool

	if params.Limit != 0 {
		q += ` LIMIT ?`
		args = append(args, params.Limit)
		limitPushdown = true
	}

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	defer rows.Close()

	queryPlan, err := types.NewArray()
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	for rows.Next() {
		var id int32
		var parent int32
		var notused int32
		var detail string

		// SQLite query plan can be interpreted as a tree.
		// Each row of query plan represents a node of this tree,
		// it contains node id, parent id, auxiliary integer field, and a description.
		// See https://www.sqlite.org/eqp.html for further details.
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, lazyerrors.Error(err)
		}

		queryPlan.Append(fmt.Sprintf("id=%d parent=%d notused=%d detail=%s", id, parent, notused, detail))
	}

	return &backends.ExplainResult{
		QueryPlanner:   must.NotFail(types.NewDocument("Plan", queryPlan)),
		FilterPushdown: filterPushdown,
		SortPushdown:   sortPushdown,
		LimitPushdown:  limitPushdown,
	}, nil
}

// Stats implements backends.Collection interface.
func (c *collection) Stats(ctx context.Context, params *backends.CollectionStatsParams) (*backends.CollectionStatsResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return nil, backends.NewError(
			backends.ErrorCodeCollectionDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}

	coll := c.r.CollectionGet(ctx, c.dbName, c.name)
	if coll == nil {
		return nil, backends.NewError(
			backends.ErrorCodeCollectionDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}
	stats, err := collectionsStats(ctx, db, []*metadata.Collection{coll}, params.Refresh)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	placeholders := make([]string, 0, len(coll.Settings.Indexes))
	args := make([]any, 0, len(coll.Settings.Indexes))
	indexMap := map[string]string{}

	for _, index := range coll.Settings.Indexes {
		placeholders = append(placeholders, "?")
		args = append(args, coll.TableName+"_"+index.Name)
		indexMap[coll.TableName+"_"+index.Name] = index.Name
	}

	q := fmt.Sprintf(`
		SELECT
			name,
			pgsize
		FROM dbstat
		WHERE name IN (%s) AND aggregate = TRUE`,
		strings.Join(placeholders, ", "),
	)

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	defer rows.Close()

	indexSizes := make([]backends.IndexSize, len(indexMap))
	var i int

	for rows.Next() {
		var name string
		var size int64

		if err = rows.Scan(&name, &size); err != nil {
			return nil, lazyerrors.Error(err)
		}

		indexName, ok := indexMap[name]
		if !ok {
			// new index have been created since fetching metadata
			continue
		}

		indexSizes[i] = backends.IndexSize{
			Name: indexName,
			Size: size,
		}
		i++
	}

	if rows.Err() != nil {
		return nil, lazyerrors.Error(rows.Err())
	}

	return &backends.CollectionStatsResult{
		CountDocuments:  stats.countDocuments,
		SizeTotal:       stats.sizeTables + stats.sizeIndexes,
		SizeIndexes:     stats.sizeIndexes,
		SizeCollection:  stats.sizeTables,
		IndexSizes:      indexSizes,
		SizeFreeStorage: stats.sizeFreeStorage,
	}, nil
}

// Compact implements backends.Collection interface.
func (c *collection) Compact(ctx context.Context, params *backends.CompactParams) (*backends.CompactResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return nil, backends.NewError(
			backends.ErrorCodeDatabaseDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}

	coll := c.r.CollectionGet(ctx, c.dbName, c.name)
	if coll == nil {
		return nil, backends.NewError(
			backends.ErrorCodeCollectionDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}

	q := `PRAGMA incremental_vacuum`
	if params != nil && params.Full {
		q = `VACUUM`
	}

	if _, err := db.ExecContext(ctx, q); err != nil {
		return nil, lazyerrors.Error(err)
	}

	return new(backends.CompactResult), nil
}

// ListIndexes implements backends.Collection interface.
func (c *collection) ListIndexes(ctx context.Context, params *backends.ListIndexesParams) (*backends.ListIndexesResult, error) {
	db := c.r.DatabaseGetExisting(ctx, c.dbName)
	if db == nil {
		return nil, backends.NewError(
			backends.ErrorCodeCollectionDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}

	coll := c.r.CollectionGet(ctx, c.dbName, c.name)
	if coll == nil {
		return nil, backends.NewError(
			backends.ErrorCodeCollectionDoesNotExist,
			lazyerrors.Errorf("no ns %s.%s", c.dbName, c.name),
		)
	}

	res := backends.ListIndexesResult{
		Indexes: make([]backends.IndexInfo, len(coll.Settings.Indexes)),
	}

	for i, index := range coll.Settings.Indexes {
		res.Indexes[i] = backends.IndexInfo{
			Name:   index.Name,
			Unique: index.Unique,
			Key:    make([]backends.IndexKeyPair, len(index.Key)),
		}

		for j, key := range index.Key {
			res.Indexes[i].Key[j] = backends.IndexKeyPair{
				Field:      key.Field,
				Descending: key.Descending,
			}
		}
	}

	sort.Slice(res.Indexes, func(i, j int) bool {
		return res.Indexes[i].Name < res.Indexes[j].Name
	})

	return &res, nil
}

// CreateIndexes implements backends.Collection interface.
func (c *collection) CreateIndexes(ctx context.Context, params *backends.CreateIndexesParams) (*backends.CreateIndexesResult, error) { //nolint:lll // for readability
	indexes := make([]metadata.IndexInfo, len(params.Indexes))
	for i, index := range params.Indexes {
		indexes[i] = metadata.IndexInfo{
			Name:   index.Name,
			Key:    make([]metadata.IndexKeyPair, len(index.Key)),
			Unique: index.Unique,
		}

		for j, key := range index.Key {
			indexes[i].Key[j] = metadata.IndexKeyPair{
				Field:      key.Field,
				Descending: key.Descending,
			}
		}
	}

	err := c.r.IndexesCreate(ctx, c.dbName, c.name, indexes)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return new(backends.CreateIndexesResult), nil
}

// DropIndexes implements backends.Collection interface.
func (c *collection) DropIndexes(ctx context.Context, params *backends.DropIndexesParams) (*backends.DropIndexesResult, error) {
	err := c.r.IndexesDrop(ctx, c.dbName, c.name, params.Indexes)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return new(backends.DropIndexesResult), nil
}

// check interfaces
var (
	_ backends.Collection = (*collection)(nil)
)
