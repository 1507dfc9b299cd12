#include "services/labs/lab_list.h"

#include <algorithm>
#include <unordered_map>

#include "services/labs/lab_rows.h"
#include "services/labs/validation.h"
#include "services/search/search_index.h"
#include "storage/tag_filter.h"

namespace openlabs::labs {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxQueryLength = 500;
constexpr int kSearchPageSize = 100;
// NOTE: a query ranks at most this many search hits; results beyond them are not listed, and
// the total then counts only these candidates.
constexpr int64_t kMaxSearchCandidates = 1000;

struct ListPlan {
  int page = 1;
  int limit = kDefaultPageSize;
  std::string query;
  std::vector<std::string> tags;
  std::string sort;  // "new", "popular" or "relevance"
  long long author_id = 0;
};

Result<ListPlan> PlanList(const v1::ListLabsRequest& request) {
  ListPlan plan;
  plan.page = std::max(request.page(), 1);
  plan.limit = request.limit() <= 0 ? kDefaultPageSize : std::min(request.limit(), kMaxPageSize);
  plan.query = request.q();
  plan.author_id = request.author_id();
  if (plan.query.size() > kMaxQueryLength) {
    return Fail(Error::Validation({{"q", "must be at most 500 bytes long"}}));
  }
  Result<std::vector<std::string>> tags =
      NormalizeTags({request.tags().begin(), request.tags().end()});
  if (!tags) {
    return Fail(tags.error());
  }
  plan.tags = std::move(*tags);
  plan.sort = request.sort();
  if (plan.sort.empty()) {
    plan.sort = plan.query.empty() ? "new" : "relevance";
  }
  if (plan.sort != "new" && plan.sort != "popular" && plan.sort != "relevance") {
    return Fail(Error::Validation({{"sort", "must be new or popular"}}));
  }
  return plan;
}

// The ids of the search hits for the query, best first.
Result<std::vector<long long>> SearchCandidates(search::SearchIndex& search, const ListPlan& plan) {
  std::vector<long long> ids;
  search::SearchQuery query;
  query.text = plan.query;
  query.type = "lab";
  query.tags = plan.tags;
  query.limit = kSearchPageSize;
  for (query.page = 1; static_cast<int64_t>(ids.size()) < kMaxSearchCandidates; ++query.page) {
    Result<search::SearchPage> page = search.Search(query);
    if (!page) {
      return Fail(page.error());
    }
    for (const search::SearchHit& hit : page->items) {
      ids.push_back(hit.id);
    }
    if (page->items.empty() || static_cast<int64_t>(ids.size()) >= page->total) {
      break;
    }
  }
  return ids;
}

std::string EscapeLike(std::string_view text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') {
      pattern.push_back('\\');
    }
    pattern.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  pattern.push_back('%');
  return pattern;
}

// The WHERE clause of every filter except the full-text ranking. `walk_tags` checks the tags of
// each lab in turn, else the labs that carry every tag are listed first (see WalkTags).
std::string WhereClause(const ListPlan& plan, const std::vector<long long>* candidates,
                        bool substring_query, bool walk_tags, SqlParams& params) {
  std::string where = "status = 'published'";
  if (plan.author_id != 0) {
    where += " AND author_id = " + params.Add(plan.author_id);
  }
  if (walk_tags) {
    for (const std::string& tag : plan.tags) {
      where += " AND EXISTS (SELECT 1 FROM lab_tags t WHERE t.lab_id = labs.id AND t.tag = " +
               params.Add(tag) + ")";
    }
  } else if (!plan.tags.empty()) {
    std::string list;
    for (const std::string& tag : plan.tags) {
      list += (list.empty() ? "" : ", ") + params.Add(tag);
    }
    where += " AND id IN (SELECT lab_id FROM lab_tags WHERE tag IN (" + list +
             ") GROUP BY lab_id HAVING COUNT(*) = " +
             params.Add(static_cast<long long>(plan.tags.size())) + ")";
  }
  if (candidates != nullptr) {
    where += candidates->empty() ? " AND 1 = 0" : " AND id IN (" + IdList(*candidates) + ")";
  }
  if (substring_query) {
    // TODO: remove this substring fallback once the search index is wired everywhere.
    const std::string pattern = EscapeLike(plan.query);
    where += " AND (LOWER(title) LIKE " + params.Add(pattern) + " ESCAPE '\\' OR " +
             "LOWER(description) LIKE " + params.Add(pattern) + " ESCAPE '\\' OR " +
             "LOWER(body) LIKE " + params.Add(pattern) + " ESCAPE '\\')";
  }
  return where;
}

std::string OrderClause(const std::string& sort) {
  if (sort == "popular") {
    return " ORDER BY submission_count DESC, views DESC, id DESC";
  }
  return " ORDER BY created_at DESC, id DESC";
}

std::vector<long long> SelectIds(soci::session& session, const std::string& sql,
                                 SqlParams& params) {
  std::vector<long long> ids;
  long long id = 0;
  soci::details::prepare_temp_type prepared = (session.prepare << sql);
  params.BindTo(prepared);
  prepared, soci::into(id);
  soci::statement select(prepared);
  select.execute();
  while (select.fetch()) {
    ids.push_back(id);
  }
  return ids;
}

long long CountLabs(soci::session& session, const std::string& where, SqlParams& params) {
  long long total = 0;
  soci::details::prepare_temp_type prepared =
      (session.prepare << "SELECT COUNT(*) FROM labs WHERE " + where);
  params.BindTo(prepared);
  prepared, soci::into(total);
  soci::statement count(prepared);
  count.execute(true);
  return total;
}

// The number of published labs, from the row that the triggers of 0002_count_labs_by_status.sql
// keep up to date, because COUNT(*) reads one index entry per published lab on each request.
long long CountPublishedLabs(soci::session& session) {
  long long total = 0;
  session << "SELECT labs FROM lab_status_counts WHERE status = 'published'", soci::into(total);
  return total;
}

// The published labs of each of `tags`, from the rows that the triggers of
// 0003_count_labs_by_tag.sql keep up to date. A tag without published labs is missing.
std::map<std::string, long long> CountLabsPerTag(soci::session& session,
                                                 const std::vector<std::string>& tags) {
  std::map<std::string, long long> counts;
  std::string tag;
  long long labs = 0;
  soci::statement select = (session.prepare << "SELECT labs FROM lab_tag_counts WHERE tag = :tag",
                            soci::use(tag), soci::into(labs));
  for (const std::string& each : tags) {
    tag = each;
    if (select.execute(true)) {
      counts.emplace(each, labs);
    }
  }
  return counts;
}

// The number of published labs that carry every tag of the plan (and have its author, if
// any). It reads the lab_tags rows of the rarest tag and checks the other tags in the primary
// key of lab_tags. The few unpublished labs are left out through the labs_unpublished index, so
// it never reads a labs row (each contains a body of up to 1 MiB).
long long CountTaggedLabs(soci::session& session, storage::Dialect dialect, const ListPlan& plan,
                          const std::map<std::string, long long>& tag_counts) {
  const std::string* rarest = &plan.tags.front();
  for (const std::string& tag : plan.tags) {
    if (tag_counts.at(tag) < tag_counts.at(*rarest)) {
      rarest = &tag;
    }
  }
  if (plan.tags.size() == 1 && plan.author_id == 0) {
    return tag_counts.at(*rarest);
  }

  SqlParams params;
  std::string sql = "SELECT COUNT(*) FROM lab_tags t WHERE t.tag = " + params.Add(*rarest);
  for (const std::string& tag : plan.tags) {
    if (&tag != rarest) {
      sql += " AND EXISTS (SELECT 1 FROM lab_tags o WHERE o.lab_id = t.lab_id AND o.tag = " +
             params.Add(tag) + ")";
    }
  }
  // Without statistics, SQLite scans a whole index of labs instead of the small partial one.
  sql += std::string(" AND t.lab_id NOT IN (SELECT id FROM labs") +
         storage::ByDialect(dialect, " INDEXED BY labs_unpublished", "") +
         " WHERE status <> 'published')";
  if (plan.author_id != 0) {
    sql += " AND t.lab_id IN (SELECT id FROM labs WHERE author_id = " +
           params.Add(plan.author_id) + ")";
  }
  long long total = 0;
  soci::details::prepare_temp_type prepared = (session.prepare << sql);
  params.BindTo(prepared);
  prepared, soci::into(total);
  soci::statement count(prepared);
  count.execute(true);
  return total;
}

// The total of a list that no query filters. `tag_counts` are the CountLabsPerTag of its tags.
long long CountListed(soci::session& session, storage::Dialect dialect, const ListPlan& plan,
                      const std::map<std::string, long long>& tag_counts, const std::string& where,
                      SqlParams& params) {
  if (plan.tags.empty()) {
    return plan.author_id == 0 ? CountPublishedLabs(session) : CountLabs(session, where, params);
  }
  if (tag_counts.size() < plan.tags.size()) {
    return 0;  // a tag that no published lab carries
  }
  return CountTaggedLabs(session, dialect, plan, tag_counts);
}

// True when the page of a tagged list costs less with an EXISTS per tag, which probes lab_tags
// for each lab walked in list order, than with the IN list of the labs that carry every tag.
// SQLite builds that list from all the tags' rows once, then checks it for each lab walked at
// about a fifth of the cost of a probe (bench/list_cpu.sh on 50,000 labs). PostgreSQL 15 agrees on
// 50,000 labs with one tag on 6,500: 0.3 ms against 23 ms on page 1, 30 ms against 23 ms on
// page 50 (EXPLAIN ANALYZE).
bool WalkTags(soci::session& session, const std::map<std::string, long long>& tag_counts,
              long long total, long long offset, long long limit) {
  long long listed = 0;
  for (const auto& [tag, labs] : tag_counts) {
    listed += labs;
  }
  const long long walked = storage::RowsToWalk(total, CountPublishedLabs(session), offset, limit);
  return 5 * walked < listed + walked;
}

// Orders `ids` as they appear in `ranking`.
void SortByRank(std::vector<long long>& ids, const std::vector<long long>& ranking) {
  std::unordered_map<long long, size_t> rank;
  for (size_t i = 0; i < ranking.size(); ++i) {
    rank.emplace(ranking[i], i);
  }
  std::stable_sort(ids.begin(), ids.end(),
                   [&](long long a, long long b) { return rank[a] < rank[b]; });
}

void FillPage(soci::session& session, const std::vector<long long>& ids,
              v1::ListLabsResponse& response) {
  std::map<long long, LabRow> rows = LoadLabSummaries(session, ids);
  std::map<long long, std::vector<std::string>> tags = LoadTags(session, ids);
  for (const long long id : ids) {
    const auto row = rows.find(id);
    if (row == rows.end()) {
      continue;
    }
    v1::Lab* lab = response.add_items();
    *lab = row->second.ToProto();
    for (const std::string& tag : tags[id]) {
      lab->add_tags(tag);
    }
  }
}

}  // namespace

Result<v1::ListLabsResponse> ListLabs(storage::Database& database, search::SearchIndex* search,
                                      const v1::ListLabsRequest& request) {
  Result<ListPlan> plan = PlanList(request);
  if (!plan) {
    return Fail(plan.error());
  }
  std::optional<std::vector<long long>> candidates;
  if (!plan->query.empty() && search != nullptr) {
    Result<std::vector<long long>> found = SearchCandidates(*search, *plan);
    if (!found) {
      return Fail(found.error());
    }
    candidates = std::move(*found);
  }
  const bool substring_query = !plan->query.empty() && search == nullptr;
  if (plan->sort == "relevance" && !candidates) {
    plan->sort = "new";
  }

  return database.WithSession<v1::ListLabsResponse>(
      [&](soci::session& session) -> Result<v1::ListLabsResponse> {
        v1::ListLabsResponse response;
        response.set_page(plan->page);
        response.set_limit(plan->limit);
        SqlParams params;
        const std::string where =
            WhereClause(*plan, candidates ? &*candidates : nullptr, substring_query, false, params);
        const long long offset = static_cast<long long>(plan->page - 1) * plan->limit;

        std::vector<long long> page_ids;
        if (plan->sort == "relevance") {
          // Few candidates: filter them all in SQL, then page in memory by rank.
          std::vector<long long> ids =
              SelectIds(session, "SELECT id FROM labs WHERE " + where, params);
          SortByRank(ids, *candidates);
          response.set_total(static_cast<int64_t>(ids.size()));
          const size_t first = std::min<size_t>(ids.size(), offset);
          const size_t last = std::min<size_t>(ids.size(), first + plan->limit);
          page_ids.assign(ids.begin() + first, ids.begin() + last);
        } else {
          const bool filtered_by_query = candidates || substring_query;
          std::map<std::string, long long> tag_counts;
          if (!filtered_by_query) {
            tag_counts = CountLabsPerTag(session, plan->tags);
          }
          response.set_total(
              filtered_by_query
                  ? CountLabs(session, where, params)
                  : CountListed(session, database.dialect(), *plan, tag_counts, where, params));
          if (response.total() <= offset) {
            return response;
          }
          const bool walk_tags =
              !tag_counts.empty() &&
              WalkTags(session, tag_counts, response.total(), offset, plan->limit);
          SqlParams page_params;
          const std::string page_where = WhereClause(*plan, candidates ? &*candidates : nullptr,
                                                     substring_query, walk_tags, page_params);
          page_ids =
              SelectIds(session,
                        "SELECT id FROM labs WHERE " + page_where + OrderClause(plan->sort) +
                            " LIMIT " + page_params.Add(static_cast<long long>(plan->limit)) +
                            " OFFSET " + page_params.Add(offset),
                        page_params);
        }
        FillPage(session, page_ids, response);
        return response;
      });
}

}  // namespace openlabs::labs
