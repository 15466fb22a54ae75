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

package handler

import (
	"context"
	"errors"
	"fmt"

	"github.com/FerretDB/wire"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/handler/handlererrors"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// MsgUpdate implements `update` command.
//
// The passed context is canceled when the client connection is closed.
func (h *Handler) MsgUpdate(connCtx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
	document, err := opMsgDocument(msg)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	params, err := common.GetUpdateParams(document, h.L)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	// Patched (see updateDocument): `ordered` (true unless the command says false) decides whether
	// a write error stops the batch; upstream's params leave the field unread.
	params.Ordered = true
	if v, _ := document.Get("ordered"); v == false {
		params.Ordered = false
	}

	matched, modified, upserted, writeErrors, err := h.updateDocument(connCtx, params)
	if err != nil {
		return nil, handleUpdateError(params.DB, params.Collection, "update", err)
	}

	res := must.NotFail(types.NewDocument(
		"n", matched,
	))

	if upserted.Len() != 0 {
		res.Set("upserted", upserted)
	}

	res.Set("nModified", modified)

	// Patched (see updateDocument): the statements that broke a unique index, as MongoDB lists them.
	if len(writeErrors) > 0 {
		array := types.MakeArray(len(writeErrors))
		for _, we := range writeErrors {
			array.Append(WriteErrorDocument(we))
		}

		res.Set("writeErrors", array)
	}

	res.Set("ok", float64(1))

	return documentOpMsg(
		res,
	)
}

// updateDocument iterate through all documents in collection and update them.
func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, []*mongo.WriteError, error) {
	var matched, modified int32
	var upserted types.Array
	var writeErrors []*mongo.WriteError

	db, err := h.b.Database(params.DB)
	if err != nil {
		if backends.ErrorCodeIs(err, backends.ErrorCodeDatabaseNameIsInvalid) {
			msg := fmt.Sprintf("Invalid namespace specified '%s.%s'", params.DB, params.Collection)
			return 0, 0, nil, nil, handlererrors.NewCommandErrorMsgWithArgument(handlererrors.ErrInvalidNamespace, msg, "update")
		}

		return 0, 0, nil, nil, lazyerrors.Error(err)
	}

	err = db.CreateCollection(ctx, &backends.CreateCollectionParams{Name: params.Collection})

	switch {
	case err == nil:
		// nothing
	case backends.ErrorCodeIs(err, backends.ErrorCodeCollectionAlreadyExists):
		// nothing
	case backends.ErrorCodeIs(err, backends.ErrorCodeCollectionNameIsInvalid):
		msg := fmt.Sprintf("Invalid collection name: %s", params.Collection)
		return 0, 0, nil, nil, handlererrors.NewCommandErrorMsgWithArgument(handlererrors.ErrInvalidNamespace, msg, "insert")
	default:
		return 0, 0, nil, nil, lazyerrors.Error(err)
	}

	// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches): each
	// statement's query iterator is closed when the statement is done. Upstream defers every
	// close to the end of the command, so a batch of updates held one pooled SQLite connection
	// per statement; past the pool's size the next statement waited for a connection forever
	// (an unordered bulkWrite of a few hundred updates hung), and smaller batches slowed down.
	// A statement that breaks a unique index is a write error of that statement, as in MongoDB:
	// an ordered command stops there, an unordered one goes on (upstream failed the command).
	if matched, modified, ok, err := h.updateByIDs(ctx, db, params); err != nil || ok {
		return matched, modified, &upserted, nil, err
	}

	for i := range params.Updates {
		u := &params.Updates[i]

		res, err := h.updateStatement(ctx, db, params.Collection, u)
		var be *backends.Error
		if errors.As(err, &be) && be.Code() == backends.ErrorCodeInsertDuplicateID {
			writeErrors = append(writeErrors, &mongo.WriteError{
				Index:   i,
				Code:    int(handlererrors.ErrDuplicateKeyInsert),
				Message: fmt.Sprintf(`E11000 duplicate key error collection: %s.%s`, params.DB, params.Collection),
			})

			if params.Ordered {
				break
			}

			continue
		}

		if err != nil {
			return 0, 0, nil, nil, err
		}

		matched += res.Matched.Count
		modified += res.Modified.Count

		if res.Upserted.Doc != nil {
			doc := res.Upserted.Doc
			upserted.Append(must.NotFail(types.NewDocument(
				"index", int32(upserted.Len()),
				"_id", must.NotFail(doc.Get("_id")),
			)))

			// in case of upsert, MongoDB sets the matched count to 1
			matched++
		}
	}

	return matched, modified, &upserted, writeErrors, nil
}

// updateByIDs runs a batch of single-document statements on distinct `_id`s (a bulkWrite of
// updateOne by id) with one write: each statement reads and updates its document in memory, then
// every modified document is written in one transaction. ok is false when the batch does not
// qualify, or when the write broke a unique index (nothing was written then): the caller runs the
// statements one by one, which names the statement that broke it (and so does any statement
// that fails).
//
// Patched by the entra-connector-hub FerretDB launcher (tools/ferretdb/_patches). Upstream wrote
// each statement in a transaction of its own: a batch of a hundred updates spent most of its
// time committing. With distinct ids no statement reads what another writes, and the launcher's
// serializer runs one update command at a time per database, so the reads stay current.
func (h *Handler) updateByIDs(ctx context.Context, db backends.Database, params *common.UpdateParams) (int32, int32, bool, error) {
	if len(params.Updates) < 2 {
		return 0, 0, false, nil
	}

	ids := make(map[string]struct{}, len(params.Updates))

	for i := range params.Updates {
		u := &params.Updates[i]
		if u.Upsert || u.Multi || u.Filter.Len() != 1 {
			return 0, 0, false, nil
		}

		id, err := u.Filter.Get("_id")
		if err != nil {
			return 0, 0, false, nil
		}

		switch id.(type) {
		case string, types.ObjectID:
		default:
			return 0, 0, false, nil
		}

		key := string(must.NotFail(sjson.MarshalSingleValue(id)))
		if _, seen := ids[key]; seen {
			return 0, 0, false, nil
		}

		ids[key] = struct{}{}
	}

	collector := new(common.UpdateCollector)
	collecting := common.WithUpdateCollector(ctx, collector)

	var matched, modified int32

	for i := range params.Updates {
		res, err := h.updateStatement(collecting, db, params.Collection, &params.Updates[i])
		if err != nil {
			// Nothing is written yet: one by one, the statements before it are, as upstream.
			return 0, 0, false, nil
		}

		matched += res.Matched.Count
		modified += res.Modified.Count
	}

	if len(collector.Docs) == 0 {
		return matched, modified, true, nil
	}

	c, err := db.Collection(params.Collection)
	if err != nil {
		return 0, 0, false, lazyerrors.Error(err)
	}

	_, err = c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: collector.Docs})

	var be *backends.Error
	if errors.As(err, &be) && be.Code() == backends.ErrorCodeInsertDuplicateID {
		return 0, 0, false, nil
	}

	if err != nil {
		return 0, 0, false, lazyerrors.Error(err)
	}

	return matched, modified, true, nil
}

// updateStatement runs one update statement; its query iterator is closed on return.
func (h *Handler) updateStatement(ctx context.Context, db backends.Database, collection string, u *common.Update) (*common.UpdateResult, error) {
	c, err := db.Collection(collection)
	if err != nil {
		if backends.ErrorCodeIs(err, backends.ErrorCodeCollectionNameIsInvalid) {
			msg := fmt.Sprintf("Invalid collection name: %s", collection)
			return nil, handlererrors.NewCommandErrorMsgWithArgument(handlererrors.ErrInvalidNamespace, msg, "insert")
		}

		return nil, lazyerrors.Error(err)
	}

	var qp backends.QueryParams
	if !h.DisablePushdown {
		qp.Filter = u.Filter
	}

	res, err := c.Query(ctx, &qp)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	closer := iterator.NewMultiCloser()
	defer closer.Close()

	closer.Add(res.Iter)

	iter := common.FilterIterator(res.Iter, closer, u.Filter)

	if !u.Multi {
		iter = common.LimitIterator(iter, closer, 1)
	}

	result, err := common.UpdateDocument(ctx, c, "update", iter, u)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return result, nil
}
