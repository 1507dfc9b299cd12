#include "services/assistant/passage_store.h"

#include <openssl/evp.h>

#include <bit>
#include <cstring>
#include <unordered_map>

#include "common/clock.h"
#include "services/search/search_text.h"

namespace openlabs::assistant {
namespace {

using storage::Dialect;

constexpr size_t kMaxTitleBytes = 2'000;
constexpr size_t kMaxHeadingBytes = 2'000;
constexpr size_t kMaxPassageBytes = 8'000;
constexpr int kMaxLimit = 1'000;
// Rows ranked per requested row before a cross-document filter drops some.
constexpr int kOversample = 8;
// bm25 weights of the FTS5 columns heading, text.
constexpr const char* kBm25 = "bm25(assistant_passages_fts, 2.0, 1.0)";

static_assert(std::endian::native == std::endian::little,
              "stored vectors are little-endian float32, copied byte for byte");

// The words of the question, any of which may match. ParseQuery drops English stop words, as
// PostgreSQL's 'english' configuration does.
std::vector<std::string> QueryTerms(std::string_view text) {
  const search::ParsedQuery parsed = search::ParseQuery(text);
  std::vector<std::string> terms;
  for (const std::vector<std::string>& group : parsed.all_of) {
    for (const std::string& term : group) {
      if (std::find(terms.begin(), terms.end(), term) == terms.end()) {
        terms.push_back(term);
      }
    }
  }
  return terms;
}

// A to_tsquery expression matching any of `terms`. Each term keeps only letters, digits and
// non-ASCII bytes, so no input is read as tsquery syntax.
std::string ToTsQuery(const std::vector<std::string>& terms) {
  std::string query;
  for (const std::string& term : terms) {
    std::string clean;
    for (const char c : term) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x80 || std::isalnum(byte)) {
        clean += c;
      }
    }
    if (!clean.empty()) {
      query += (query.empty() ? "" : " | ") + clean;
    }
  }
  return query;
}

// The WHERE conditions of `filter` on assistant_passages aliased "p".
std::string FilterSql(const PassageFilter& filter) {
  std::string sql;
  if (filter.doc_id > 0) {
    sql += filter.exclude ? " AND NOT (p.doc_type = :doc_type AND p.doc_id = :doc_id)"
                          : " AND p.doc_type = :doc_type AND p.doc_id = :doc_id";
  }
  if (!filter.include_solutions) {
    sql += " AND p.solution = 0";
  }
  return sql;
}

// The smallest and largest passage id of one document. A document's passages are inserted in
// one transaction, so on SQLite their ids are consecutive, and FTS5 can then skip every other
// row by rowid instead of ranking the whole index.
std::pair<long long, long long> PassageIdRange(soci::session& session, const PassageFilter& filter) {
  long long first = 0;
  long long last = -1;
  soci::indicator first_indicator = soci::i_ok;
  soci::indicator last_indicator = soci::i_ok;
  const long long doc_id = filter.doc_id;
  session << "SELECT MIN(id), MAX(id) FROM assistant_passages WHERE doc_type = :doc_type AND "
             "doc_id = :doc_id",
      soci::use(filter.doc_type, "doc_type"), soci::use(doc_id, "doc_id"),
      soci::into(first, first_indicator), soci::into(last, last_indicator);
  if (first_indicator == soci::i_null || last_indicator == soci::i_null) {
    return {0, -1};
  }
  return {first, last};
}

std::vector<RankedPassage> FetchRanked(soci::session& session, const std::string& sql,
                                       const std::string& match, const PassageFilter& filter,
                                       int limit,
                                       std::optional<std::pair<long long, long long>> range = {}) {
  long long id = 0;
  double score = 0;
  const long long doc_id = filter.doc_id;
  const long long max_rows = limit;
  soci::statement statement(session);
  statement.exchange(soci::into(id));
  statement.exchange(soci::into(score));
  statement.exchange(soci::use(match, "match"));
  if (filter.doc_id > 0) {
    statement.exchange(soci::use(filter.doc_type, "doc_type"));
    statement.exchange(soci::use(doc_id, "doc_id"));
  }
  if (range) {
    statement.exchange(soci::use(range->first, "first_id"));
    statement.exchange(soci::use(range->second, "last_id"));
  }
  statement.exchange(soci::use(max_rows, "limit"));
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute(false);
  std::vector<RankedPassage> ranked;
  while (statement.fetch()) {
    ranked.push_back({id, score});
  }
  return ranked;
}

std::vector<long long> PassageIds(soci::session& session, long long document_id) {
  long long id = 0;
  std::vector<long long> all;
  soci::statement statement =
      (session.prepare << "SELECT id FROM assistant_passages WHERE document_id = :id ORDER BY id",
       soci::use(document_id), soci::into(id));
  statement.execute();
  while (statement.fetch()) {
    all.push_back(id);
  }
  return all;
}

std::optional<long long> FindDocument(soci::session& session, const std::string& type,
                                      long long id) {
  long long row_id = 0;
  session << "SELECT id FROM assistant_documents WHERE doc_type = :type AND doc_id = :id",
      soci::use(type, "type"), soci::use(id, "id"), soci::into(row_id);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row_id;
}

void DeletePassages(soci::session& session, Dialect dialect, long long document_id,
                    std::vector<int64_t>& removed_ids) {
  const std::vector<long long> ids = PassageIds(session, document_id);
  if (dialect == Dialect::kSqlite) {
    session << "DELETE FROM assistant_passages_fts WHERE rowid IN (SELECT id FROM "
               "assistant_passages WHERE document_id = :id)",
        soci::use(document_id);
  }
  session << "DELETE FROM assistant_passages WHERE document_id = :id", soci::use(document_id);
  removed_ids.insert(removed_ids.end(), ids.begin(), ids.end());
}

}  // namespace

std::string EncodeVector(std::span<const float> vector) {
  const size_t bytes = vector.size() * sizeof(float);
  std::string out(4 * ((bytes + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(vector.data()), static_cast<int>(bytes));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::optional<std::vector<float>> DecodeVector(std::string_view base64) {
  if (base64.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string bytes(base64.size() / 4 * 3, '\0');
  const int decoded =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(base64.data()),
                      static_cast<int>(base64.size()));
  if (decoded < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t length = static_cast<size_t>(decoded);
  for (size_t i = base64.size(); i > 0 && base64[i - 1] == '='; --i) {
    --length;
  }
  if (length % sizeof(float) != 0) {
    return std::nullopt;
  }
  std::vector<float> vector(length / sizeof(float));
  std::memcpy(vector.data(), bytes.data(), length);
  return vector;
}

Result<std::vector<int64_t>> PassageStore::Replace(const IndexedDocument& document,
                                                   std::vector<int64_t>& removed_ids) {
  return database_.InTransaction<std::vector<int64_t>>(
      [&](soci::session& session) -> Result<std::vector<int64_t>> {
        const long long now = NowMillis();
        const long long doc_id = document.id;
        const long long version = document.version;
        const std::string title = search::CleanText(document.title, kMaxTitleBytes);
        long long document_row = 0;
        session << "INSERT INTO assistant_documents (doc_type, doc_id, title, version, "
                   "created_at, updated_at) VALUES (:type, :doc_id, :title, :version, :now, "
                   ":now2) ON CONFLICT (doc_type, doc_id) DO UPDATE SET title = excluded.title, "
                   "version = excluded.version, updated_at = excluded.updated_at RETURNING id",
            soci::use(document.type, "type"), soci::use(doc_id, "doc_id"),
            soci::use(title, "title"), soci::use(version, "version"), soci::use(now, "now"),
            soci::use(now, "now2"), soci::into(document_row);
        DeletePassages(session, database_.dialect(), document_row, removed_ids);

        std::vector<int64_t> ids;
        for (size_t ordinal = 0; ordinal < document.passages.size(); ++ordinal) {
          const Passage& passage = document.passages[ordinal];
          const std::string heading = search::CleanText(passage.heading, kMaxHeadingBytes);
          const std::string text = search::CleanText(passage.text, kMaxPassageBytes);
          const std::string anchor = search::CleanText(passage.anchor, kMaxHeadingBytes);
          const int ordinal_value = static_cast<int>(ordinal);
          const int solution = passage.solution ? 1 : 0;
          long long passage_id = 0;
          session << "INSERT INTO assistant_passages (document_id, doc_type, doc_id, ordinal, "
                     "heading, anchor, page, cell, solution, text, created_at) VALUES (:document, "
                     ":type, :doc_id, :ordinal, :heading, :anchor, :page, :cell, :solution, :text, "
                     ":now) RETURNING id",
              soci::use(document_row, "document"), soci::use(document.type, "type"),
              soci::use(doc_id, "doc_id"), soci::use(ordinal_value, "ordinal"),
              soci::use(heading, "heading"), soci::use(anchor, "anchor"),
              soci::use(passage.page, "page"), soci::use(passage.cell, "cell"),
              soci::use(solution, "solution"), soci::use(text, "text"), soci::use(now, "now"),
              soci::into(passage_id);
          if (database_.dialect() == Dialect::kSqlite) {
            session << "INSERT INTO assistant_passages_fts (rowid, heading, text) VALUES (:id, "
                       ":heading, :text)",
                soci::use(passage_id, "id"), soci::use(heading, "heading"),
                soci::use(text, "text");
          }
          ids.push_back(passage_id);
        }
        return ids;
      });
}

Status PassageStore::Remove(std::string_view type, int64_t id, std::vector<int64_t>& removed_ids) {
  return database_.InTransaction<void>([&](soci::session& session) -> Status {
    const std::optional<long long> row = FindDocument(session, std::string(type), id);
    if (!row) {
      return {};
    }
    DeletePassages(session, database_.dialect(), *row, removed_ids);
    session << "DELETE FROM assistant_documents WHERE id = :id", soci::use(*row);
    return {};
  });
}

Result<std::optional<int64_t>> PassageStore::Version(std::string_view type, int64_t id) {
  return database_.WithSession<std::optional<int64_t>>(
      [&](soci::session& session) -> Result<std::optional<int64_t>> {
        long long version = 0;
        const std::string type_text(type);
        const long long doc_id = id;
        session << "SELECT version FROM assistant_documents WHERE doc_type = :type AND doc_id = "
                   ":id",
            soci::use(type_text, "type"), soci::use(doc_id, "id"), soci::into(version);
        if (!session.got_data()) {
          return std::optional<int64_t>();
        }
        return std::optional<int64_t>(version);
      });
}

Result<std::vector<int64_t>> PassageStore::PassageIdsOf(std::string_view type, int64_t id) {
  return database_.WithSession<std::vector<int64_t>>(
      [&](soci::session& session) -> Result<std::vector<int64_t>> {
        std::vector<int64_t> ids;
        const std::optional<long long> row = FindDocument(session, std::string(type), id);
        if (row) {
          for (const long long passage_id : PassageIds(session, *row)) {
            ids.push_back(passage_id);
          }
        }
        return ids;
      });
}

Result<std::map<std::pair<std::string, int64_t>, int64_t>> PassageStore::ListVersions() {
  using Versions = std::map<std::pair<std::string, int64_t>, int64_t>;
  return database_.WithSession<Versions>([&](soci::session& session) -> Result<Versions> {
    Versions versions;
    std::string type;
    long long id = 0;
    long long version = 0;
    soci::statement statement =
        (session.prepare << "SELECT doc_type, doc_id, version FROM assistant_documents",
         soci::into(type), soci::into(id), soci::into(version));
    statement.execute();
    while (statement.fetch()) {
      versions.emplace(std::pair<std::string, int64_t>(type, id), version);
    }
    return versions;
  });
}

Result<std::vector<RankedPassage>> PassageStore::SearchLexical(std::string_view text,
                                                               const PassageFilter& filter,
                                                               int limit) {
  limit = std::clamp(limit, 1, kMaxLimit);
  const std::vector<std::string> terms =
      QueryTerms(search::CleanText(text, search::kMaxQueryBytes));
  if (terms.empty()) {
    return std::vector<RankedPassage>();
  }
  return database_.WithSession<std::vector<RankedPassage>>(
      [&](soci::session& session) -> Result<std::vector<RankedPassage>> {
        if (database_.dialect() == Dialect::kSqlite) {
          search::ParsedQuery any_term;
          any_term.all_of.push_back(terms);
          const std::string match = search::ToFts5Query(any_term);
          if (filter.doc_id > 0 && !filter.exclude) {
            const std::pair<long long, long long> range = PassageIdRange(session, filter);
            const std::string sql =
                std::string("SELECT p.id, -") + kBm25 +
                " FROM assistant_passages_fts JOIN assistant_passages p ON p.id = "
                "assistant_passages_fts.rowid WHERE assistant_passages_fts MATCH :match AND "
                "assistant_passages_fts.rowid BETWEEN :first_id AND :last_id" +
                FilterSql(filter) + " ORDER BY " + kBm25 + ", p.id LIMIT :limit";
            return FetchRanked(session, sql, match, filter, limit, range);
          }
          // Across documents, FTS5 ranks alone first and only its best rows are joined and
          // filtered, because joining every row that matches one common word costs more than
          // the ranking. The filter may then leave fewer than `limit` rows.
          const std::string sql =
              std::string("SELECT p.id, m.score FROM (SELECT rowid AS id, -") + kBm25 +
              " AS score FROM assistant_passages_fts WHERE assistant_passages_fts MATCH :match "
              "ORDER BY " + kBm25 + " LIMIT " + std::to_string(limit * kOversample) +
              ") m JOIN assistant_passages p ON p.id = m.id WHERE 1 = 1" + FilterSql(filter) +
              " ORDER BY m.score DESC, p.id LIMIT :limit";
          return FetchRanked(session, sql, match, filter, limit);
        }
        const std::string query = ToTsQuery(terms);
        if (query.empty()) {
          return std::vector<RankedPassage>();
        }
        const std::string sql =
            "SELECT p.id, ts_rank_cd(p.terms, q.query, 1) AS score FROM assistant_passages p, "
            "to_tsquery('english', :match) AS q(query) WHERE p.terms @@ q.query" +
            FilterSql(filter) + " ORDER BY score DESC, p.id LIMIT :limit";
        return FetchRanked(session, sql, query, filter, limit);
      });
}

Result<std::vector<StoredPassage>> PassageStore::Load(std::span<const int64_t> ids) {
  return database_.WithSession<std::vector<StoredPassage>>(
      [&](soci::session& session) -> Result<std::vector<StoredPassage>> {
        std::unordered_map<int64_t, StoredPassage> found;
        for (const int64_t id : ids) {
          if (found.contains(id)) {
            continue;
          }
          const long long passage_id = id;
          StoredPassage stored;
          long long doc_id = 0;
          int solution = 0;
          session << "SELECT p.doc_type, p.doc_id, d.title, p.heading, p.anchor, p.page, p.cell, "
                     "p.solution, p.text FROM assistant_passages p JOIN assistant_documents d ON "
                     "d.id = p.document_id WHERE p.id = :id",
              soci::use(passage_id), soci::into(stored.doc_type), soci::into(doc_id),
              soci::into(stored.title), soci::into(stored.passage.heading),
              soci::into(stored.passage.anchor), soci::into(stored.passage.page),
              soci::into(stored.passage.cell), soci::into(solution),
              soci::into(stored.passage.text);
          if (!session.got_data()) {
            continue;
          }
          stored.id = id;
          stored.doc_id = doc_id;
          stored.passage.solution = solution != 0;
          found.emplace(id, std::move(stored));
        }
        std::vector<StoredPassage> ordered;
        for (const int64_t id : ids) {
          if (auto it = found.find(id); it != found.end()) {
            ordered.push_back(it->second);
          }
        }
        return ordered;
      });
}

bool PassageStore::Matches(const StoredPassage& passage, const PassageFilter& filter) {
  if (!filter.include_solutions && passage.passage.solution) {
    return false;
  }
  if (filter.doc_id <= 0) {
    return true;
  }
  const bool same = passage.doc_type == filter.doc_type && passage.doc_id == filter.doc_id;
  return filter.exclude ? !same : same;
}

Status PassageStore::SetEmbedding(int64_t passage_id, std::span<const float> vector,
                                  std::string_view model) {
  return database_.InTransaction<void>([&](soci::session& session) -> Status {
    const std::string encoded = EncodeVector(vector);
    const std::string model_text(model);
    const long long id = passage_id;
    session << "UPDATE assistant_passages SET embedding = :embedding, embedding_model = :model "
               "WHERE id = :id",
        soci::use(encoded, "embedding"), soci::use(model_text, "model"), soci::use(id, "id");
    return {};
  });
}

Result<std::vector<StoredPassage>> PassageStore::PassagesWithoutEmbedding(std::string_view model,
                                                                          int limit) {
  return database_.WithSession<std::vector<StoredPassage>>(
      [&](soci::session& session) -> Result<std::vector<StoredPassage>> {
        const std::string model_text(model);
        const long long max_rows = std::clamp(limit, 1, kMaxLimit);
        std::vector<StoredPassage> passages;
        long long id = 0;
        std::string heading;
        std::string text;
        soci::statement statement =
            (session.prepare << "SELECT id, heading, text FROM assistant_passages WHERE "
                                "embedding IS NULL OR embedding_model IS NULL OR "
                                "embedding_model <> :model ORDER BY id LIMIT :limit",
             soci::use(model_text, "model"), soci::use(max_rows, "limit"), soci::into(id),
             soci::into(heading), soci::into(text));
        statement.execute();
        while (statement.fetch()) {
          StoredPassage stored;
          stored.id = id;
          stored.passage.heading = heading;
          stored.passage.text = text;
          passages.push_back(std::move(stored));
        }
        return passages;
      });
}

Result<std::vector<std::pair<int64_t, std::vector<float>>>> PassageStore::LoadEmbeddings(
    std::string_view model) {
  using Vectors = std::vector<std::pair<int64_t, std::vector<float>>>;
  return database_.WithSession<Vectors>([&](soci::session& session) -> Result<Vectors> {
    const std::string model_text(model);
    Vectors vectors;
    long long id = 0;
    std::string embedding;
    soci::statement statement =
        (session.prepare << "SELECT id, embedding FROM assistant_passages WHERE embedding_model "
                            "= :model AND embedding IS NOT NULL ORDER BY id",
         soci::use(model_text, "model"), soci::into(id), soci::into(embedding));
    statement.execute();
    while (statement.fetch()) {
      std::optional<std::vector<float>> vector = DecodeVector(embedding);
      if (vector) {
        vectors.emplace_back(id, std::move(*vector));
      }
    }
    return vectors;
  });
}

Result<int64_t> PassageStore::CountPassages() {
  return database_.WithSession<int64_t>([&](soci::session& session) -> Result<int64_t> {
    long long count = 0;
    session << "SELECT COUNT(*) FROM assistant_passages", soci::into(count);
    return static_cast<int64_t>(count);
  });
}

}  // namespace openlabs::assistant
