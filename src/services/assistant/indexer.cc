#include "services/assistant/indexer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "common/clock.h"

namespace openlabs::assistant {
namespace {

using storage::Dialect;

constexpr int64_t kFirstRetryDelayMs = 5'000;
constexpr int64_t kDoneJobRetentionMs = 24 * 3600 * 1000;
constexpr size_t kMaxLastErrorBytes = 1'000;

// The delay before retry number `attempts`: 5 s, 10 s, 20 s… capped at an hour.
int64_t RetryDelayMs(int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 10);
  return std::min<int64_t>(kFirstRetryDelayMs << doublings, int64_t{3600} * 1000);
}

}  // namespace

IndexedDocument SplitDocument(const SourceDocument& source) {
  IndexedDocument document;
  document.type = source.type;
  document.id = source.id;
  document.title = source.title;
  document.version = source.version;
  if (source.type == "article") {
    document.passages = SplitPages(source.pages);
  } else if (source.type == "notebook") {
    document.passages = SplitCells(source.cells);
  } else {
    document.passages = SplitMarkdown(source.markdown);
  }
  for (Passage& passage : document.passages) {
    if (passage.heading.empty()) {
      passage.heading = source.title;  // text before a lab's first heading
    }
  }
  return document;
}

Indexer::Indexer(storage::Database& database, PassageStore& store, DocumentSource& source,
                 VectorIndex* vectors, ModelEndpoint embeddings, IndexerOptions options)
    : database_(database),
      store_(store),
      source_(source),
      vectors_(vectors),
      embeddings_(std::move(embeddings)),
      options_(options) {}

Indexer::~Indexer() { Stop(); }

Status Indexer::Enqueue(std::string_view type, int64_t id) {
  return EnqueueAll({{std::string(type), id}});
}

Status Indexer::EnqueueAll(const std::vector<std::pair<std::string, int64_t>>& documents) {
  const size_t batch_size = static_cast<size_t>(std::max(1, options_.enqueue_batch_size));
  for (size_t start = 0; start < documents.size(); start += batch_size) {
    const size_t end = std::min(documents.size(), start + batch_size);
    Status queued = database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long now = NowMillis();
      std::string type;
      long long doc_id = 0;
      soci::statement insert =
          (session.prepare << "INSERT INTO assistant_index_jobs (doc_type, doc_id, state, "
                              "run_after, created_at, updated_at) VALUES (:type, :id, 'queued', "
                              ":now, :now2, :now3) ON CONFLICT (doc_type, doc_id) WHERE state = "
                              "'queued' DO NOTHING",
           soci::use(type, "type"), soci::use(doc_id, "id"), soci::use(now, "now"),
           soci::use(now, "now2"), soci::use(now, "now3"));
      for (size_t i = start; i < end; ++i) {
        type = documents[i].first;
        doc_id = documents[i].second;
        insert.execute(true);
      }
      return {};
    });
    if (!queued) {
      return queued;
    }
  }
  if (!documents.empty()) {
    std::lock_guard lock(mutex_);
    woken_ = true;
    wake_.notify_one();
  }
  return {};
}

Result<int> Indexer::EnqueueChanged() {
  Result<std::vector<SourceVersion>> sources = source_.List();
  if (!sources) {
    return Fail(sources.error());
  }
  Result<std::map<std::pair<std::string, int64_t>, int64_t>> indexed = store_.ListVersions();
  if (!indexed) {
    return Fail(indexed.error());
  }
  std::vector<std::pair<std::string, int64_t>> changed;
  for (const SourceVersion& source : *sources) {
    auto found = indexed->find({source.type, source.id});
    if (found == indexed->end()) {
      changed.emplace_back(source.type, source.id);
      continue;
    }
    if (found->second != source.version) {
      changed.emplace_back(source.type, source.id);
    }
    indexed->erase(found);
  }
  // What is left is indexed but no longer exists.
  for (const auto& [key, version] : *indexed) {
    changed.push_back(key);
  }
  if (Status queued = EnqueueAll(changed); !queued) {
    return Fail(queued.error());
  }
  return static_cast<int>(changed.size());
}

Result<std::vector<Indexer::Job>> Indexer::ClaimBatch(int limit) {
  return database_.InTransaction<std::vector<Job>>(
      [&](soci::session& session) -> Result<std::vector<Job>> {
        const long long now = NowMillis();
        const long long lease_until = now + int64_t{options_.lease_seconds} * 1000;
        const std::string lock =
            database_.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
        // Two queries, so that each is served by the (state, run_after) index: queued jobs that
        // are due, then running jobs whose worker let the lease expire.
        std::vector<long long> ids;
        long long id = 0;
        const auto select = [&](const std::string& condition, long long count) {
          soci::statement statement =
              (session.prepare << "SELECT id FROM assistant_index_jobs WHERE " + condition +
                                      " LIMIT :limit" + lock,
               soci::use(now, "now"), soci::use(count, "limit"), soci::into(id));
          statement.execute();
          while (statement.fetch()) {
            ids.push_back(id);
          }
        };
        select("state = 'queued' AND run_after <= :now ORDER BY run_after, id", limit);
        if (static_cast<int>(ids.size()) < limit) {
          select("state = 'running' AND lease_until < :now ORDER BY id",
                 limit - static_cast<long long>(ids.size()));
        }
        std::vector<Job> jobs;
        Job job;
        soci::statement claim =
            (session.prepare << "UPDATE assistant_index_jobs SET state = 'running', attempts = "
                                "attempts + 1, lease_until = :lease, updated_at = :now WHERE id = "
                                ":id RETURNING id, doc_type, doc_id, attempts",
             soci::use(lease_until, "lease"), soci::use(now, "now"), soci::use(id, "id"),
             soci::into(job.id), soci::into(job.doc_type), soci::into(job.doc_id),
             soci::into(job.attempts));
        for (const long long claimed : ids) {
          id = claimed;
          claim.execute();
          while (claim.fetch()) {
            jobs.push_back(job);
          }
        }
        return jobs;
      });
}

Status Indexer::Process(const Job& job) {
  Result<std::optional<SourceDocument>> source = source_.Load(job.doc_type, job.doc_id);
  if (!source) {
    return Fail(source.error());
  }
  std::vector<int64_t> removed;
  if (!*source) {
    Status status = store_.Remove(job.doc_type, job.doc_id, removed);
    if (status && vectors_ != nullptr) {
      vectors_->Remove(removed);
    }
    spdlog::info("Removed {} {} from the assistant index ({} passages)", job.doc_type, job.doc_id,
                 removed.size());
    return status;
  }
  Result<std::optional<int64_t>> version = store_.Version(job.doc_type, job.doc_id);
  if (!version) {
    return Fail(version.error());
  }
  if (*version == (*source)->version) {
    return {};
  }
  return IndexNow(**source);
}

Status Indexer::IndexNow(const SourceDocument& source) {
  const IndexedDocument document = SplitDocument(source);
  std::vector<int64_t> removed;
  Result<std::vector<int64_t>> ids = store_.Replace(document, removed);
  if (!ids) {
    return Fail(ids.error());
  }
  if (vectors_ != nullptr) {
    vectors_->Remove(removed);
  }
  spdlog::debug("Indexed {} {} for the assistant: {} {}", source.type, source.id, ids->size(),
                ids->size() == 1 ? "passage" : "passages");
  return {};
}

Status Indexer::FinishBatch(const std::vector<Job>& jobs, const std::vector<Status>& outcomes) {
  return database_.InTransaction<void>([&](soci::session& session) -> Status {
    const long long now = NowMillis();
    for (size_t i = 0; i < jobs.size(); ++i) {
      const Job& job = jobs[i];
      if (i < outcomes.size() && outcomes[i]) {
        session << "UPDATE assistant_index_jobs SET state = 'done', updated_at = :now WHERE id = "
                   ":id",
            soci::use(now, "now"), soci::use(job.id, "id");
        continue;
      }
      long long queued = 0;
      session << "SELECT COUNT(*) FROM assistant_index_jobs WHERE doc_type = :type AND doc_id = "
                 ":id AND state = 'queued'",
          soci::use(job.doc_type, "type"), soci::use(job.doc_id, "id"), soci::into(queued);
      if (i >= outcomes.size()) {
        // Not run because the worker is stopping: back to the queue without using an attempt,
        // unless a newer queued job for the same document takes over.
        const std::string state = queued > 0 ? "done" : "queued";
        session << "UPDATE assistant_index_jobs SET state = :state, attempts = attempts - 1, "
                   "run_after = :now, updated_at = :now2 WHERE id = :id",
            soci::use(state, "state"), soci::use(now, "now"), soci::use(now, "now2"),
            soci::use(job.id, "id");
        continue;
      }
      const Status& outcome = outcomes[i];
      const std::string error =
          (outcome.error().message + " " + outcome.error().internal).substr(0, kMaxLastErrorBytes);
      // A newer queued job for the same document takes over the retry.
      const bool retry = job.attempts < options_.max_attempts && queued == 0;
      const std::string state = retry ? "queued" : (queued > 0 ? "done" : "failed");
      const long long run_after = now + RetryDelayMs(job.attempts);
      session << "UPDATE assistant_index_jobs SET state = :state, run_after = :run_after, "
                 "last_error = :error, updated_at = :now WHERE id = :id",
          soci::use(state, "state"), soci::use(run_after, "run_after"), soci::use(error, "error"),
          soci::use(now, "now"), soci::use(job.id, "id");
      spdlog::log(retry ? spdlog::level::warn : spdlog::level::err,
                  "Assistant index job {} for {} {} failed (attempt {}), now {}: {} {}", job.id,
                  job.doc_type, job.doc_id, job.attempts, state, outcome.error().message,
                  outcome.error().internal);
    }
    return {};
  });
}

Status Indexer::PurgeDoneJobs() {
  return database_.InTransaction<void>([&](soci::session& session) -> Status {
    const long long cutoff = NowMillis() - kDoneJobRetentionMs;
    session << "DELETE FROM assistant_index_jobs WHERE state = 'done' AND updated_at < :cutoff",
        soci::use(cutoff);
    return {};
  });
}

bool Indexer::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool Indexer::Pause(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, pause, [this] { return stopping_; });
}

Result<int> Indexer::RunPending() {
  int ran = 0;
  while (!stopping()) {
    Result<std::vector<Job>> jobs = ClaimBatch(std::max(1, options_.batch_size));
    if (!jobs) {
      return Fail(jobs.error());
    }
    if (jobs->empty()) {
      break;
    }
    std::vector<Status> outcomes;
    for (const Job& job : *jobs) {
      if (stopping()) {
        break;
      }
      outcomes.push_back(Process(job));
    }
    if (Status finished = FinishBatch(*jobs, outcomes); !finished) {
      return Fail(finished.error());
    }
    ran += static_cast<int>(outcomes.size());
    if (static_cast<int>(jobs->size()) < options_.batch_size ||
        !Pause(std::chrono::milliseconds(options_.batch_pause_ms))) {
      break;
    }
  }
  return ran;
}

Result<int> Indexer::EmbedMissing(int limit) {
  if (vectors_ == nullptr || !embeddings_.configured()) {
    return 0;
  }
  Result<std::vector<StoredPassage>> pending =
      store_.PassagesWithoutEmbedding(embeddings_.model, limit);
  if (!pending) {
    return Fail(pending.error());
  }
  int embedded = 0;
  const auto batch_size = static_cast<size_t>(std::max(1, options_.embedding_batch));
  for (size_t start = 0; start < pending->size(); start += batch_size) {
    const size_t end = std::min(pending->size(), start + batch_size);
    std::vector<std::string> inputs;
    for (size_t i = start; i < end; ++i) {
      const Passage& passage = (*pending)[i].passage;
      inputs.push_back(passage.heading + "\n\n" + passage.text);
    }
    Result<std::vector<std::vector<float>>> vectors = CreateEmbeddings(embeddings_, inputs);
    if (!vectors) {
      return Fail(vectors.error());
    }
    for (size_t i = start; i < end; ++i) {
      const std::vector<float>& vector = (*vectors)[i - start];
      if (Status stored = store_.SetEmbedding((*pending)[i].id, vector, embeddings_.model);
          !stored) {
        return Fail(stored.error());
      }
      if (Status added = vectors_->Add((*pending)[i].id, vector); !added) {
        return Fail(added.error());
      }
      ++embedded;
    }
  }
  return embedded;
}

Result<int> Indexer::LoadVectors() {
  if (vectors_ == nullptr || !embeddings_.configured()) {
    return 0;
  }
  Result<std::vector<std::pair<int64_t, std::vector<float>>>> stored =
      store_.LoadEmbeddings(embeddings_.model);
  if (!stored) {
    return Fail(stored.error());
  }
  int loaded = 0;
  for (const auto& [id, vector] : *stored) {
    if (vectors_->Add(id, vector)) {
      ++loaded;
    }
  }
  return loaded;
}

void Indexer::Start() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) {
    return;
  }
  stopping_ = false;
  worker_ = std::thread([this] { Run(); });
}

void Indexer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (worker_.joinable()) {
    worker_.join();
  }
}

void Indexer::Run() {
  spdlog::info("Assistant indexer started (embeddings: {})",
               embeddings_.configured() ? embeddings_.model : "off");
  if (Result<int> loaded = LoadVectors(); !loaded) {
    spdlog::error("Loading assistant vectors failed: {}", loaded.error().internal);
  } else if (*loaded > 0) {
    spdlog::info("Loaded {} passage vectors into the vector index", *loaded);
  }
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_resync = Clock::now();
  Clock::time_point next_embedding = Clock::now();
  for (;;) {
    if (Clock::now() >= next_resync) {
      next_resync = Clock::now() + std::chrono::seconds(options_.resync_interval_seconds);
      if (Status purged = PurgeDoneJobs(); !purged) {
        spdlog::error("Deleting finished assistant index jobs failed: {}",
                      purged.error().internal);
      }
      if (Result<int> queued = EnqueueChanged(); !queued) {
        spdlog::error("Looking for changed documents failed: {} {}", queued.error().message,
                      queued.error().internal);
      } else if (*queued > 0) {
        spdlog::info("Queued {} assistant index jobs for changed documents", *queued);
      }
    }
    if (Result<int> ran = RunPending(); !ran) {
      spdlog::error("Running assistant index jobs failed: {}", ran.error().internal);
    }
    if (Clock::now() >= next_embedding) {
      if (Result<int> embedded = EmbedMissing(256); !embedded) {
        // The passages stay searchable by their words until a later round embeds them.
        spdlog::warn("Embedding passages failed; retrying in {} s: {} {}",
                     options_.embedding_retry_seconds, embedded.error().message,
                     embedded.error().internal);
        next_embedding = Clock::now() + std::chrono::seconds(options_.embedding_retry_seconds);
      }
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                   [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) {
      break;
    }
  }
  spdlog::info("Assistant indexer stopped");
}

}  // namespace openlabs::assistant
