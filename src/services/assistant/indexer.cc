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
  Status queued = database_.WithSession<void>([&](soci::session& session) -> Status {
    const long long now = NowMillis();
    const std::string type_text(type);
    const long long doc_id = id;
    session << "INSERT INTO assistant_index_jobs (doc_type, doc_id, state, run_after, created_at, "
               "updated_at) VALUES (:type, :id, 'queued', :now, :now2, :now3) ON CONFLICT "
               "(doc_type, doc_id) WHERE state = 'queued' DO NOTHING",
        soci::use(type_text, "type"), soci::use(doc_id, "id"), soci::use(now, "now"),
        soci::use(now, "now2"), soci::use(now, "now3");
    return {};
  });
  if (queued) {
    std::lock_guard lock(mutex_);
    woken_ = true;
    wake_.notify_one();
  }
  return queued;
}

Result<int> Indexer::EnqueueChanged() {
  Result<std::vector<SourceVersion>> sources = source_.List();
  if (!sources) {
    return Fail(sources.error());
  }
  Result<std::vector<std::pair<std::string, int64_t>>> indexed = store_.ListDocuments();
  if (!indexed) {
    return Fail(indexed.error());
  }
  std::map<std::pair<std::string, int64_t>, bool> present;
  for (const auto& key : *indexed) {
    present[key] = false;
  }
  int queued = 0;
  for (const SourceVersion& source : *sources) {
    const std::pair<std::string, int64_t> key(source.type, source.id);
    present[key] = true;
    Result<std::optional<int64_t>> version = store_.Version(source.type, source.id);
    if (!version) {
      return Fail(version.error());
    }
    if (*version == source.version) {
      continue;
    }
    if (Status status = Enqueue(source.type, source.id); !status) {
      return Fail(status.error());
    }
    ++queued;
  }
  for (const auto& [key, still_present] : present) {
    if (!still_present) {
      if (Status status = Enqueue(key.first, key.second); !status) {
        return Fail(status.error());
      }
      ++queued;
    }
  }
  return queued;
}

Result<std::optional<Indexer::Job>> Indexer::Claim() {
  return database_.InTransaction<std::optional<Job>>(
      [&](soci::session& session) -> Result<std::optional<Job>> {
        const long long now = NowMillis();
        const long long lease_until = now + int64_t{options_.lease_seconds} * 1000;
        const std::string lock =
            database_.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
        Job job;
        session << "UPDATE assistant_index_jobs SET state = 'running', attempts = attempts + 1, "
                   "lease_until = :lease, updated_at = :now WHERE id = (SELECT id FROM "
                   "assistant_index_jobs WHERE (state = 'queued' AND run_after <= :now2) OR "
                   "(state = 'running' AND lease_until < :now3) ORDER BY id LIMIT 1" +
                       lock + ") RETURNING id, doc_type, doc_id, attempts",
            soci::use(lease_until, "lease"), soci::use(now, "now"), soci::use(now, "now2"),
            soci::use(now, "now3"), soci::into(job.id), soci::into(job.doc_type),
            soci::into(job.doc_id), soci::into(job.attempts);
        if (!session.got_data()) {
          return std::optional<Job>();
        }
        return std::optional<Job>(job);
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
  spdlog::info("Indexed {} {} for the assistant: {} passages", source.type, source.id,
               ids->size());
  return {};
}

Status Indexer::Finish(const Job& job, const Status& outcome) {
  return database_.InTransaction<void>([&](soci::session& session) -> Status {
    const long long now = NowMillis();
    if (outcome) {
      session << "UPDATE assistant_index_jobs SET state = 'done', updated_at = :now WHERE id = "
                 ":id",
          soci::use(now, "now"), soci::use(job.id, "id");
      const long long cutoff = now - kDoneJobRetentionMs;
      session << "DELETE FROM assistant_index_jobs WHERE state = 'done' AND updated_at < :cutoff",
          soci::use(cutoff);
      return {};
    }
    const std::string error =
        (outcome.error().message + " " + outcome.error().internal).substr(0, kMaxLastErrorBytes);
    long long queued = 0;
    session << "SELECT COUNT(*) FROM assistant_index_jobs WHERE doc_type = :type AND doc_id = :id "
               "AND state = 'queued'",
        soci::use(job.doc_type, "type"), soci::use(job.doc_id, "id"), soci::into(queued);
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
    return {};
  });
}

Result<int> Indexer::RunPending() {
  int ran = 0;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        return ran;
      }
    }
    Result<std::optional<Job>> job = Claim();
    if (!job) {
      return Fail(job.error());
    }
    if (!*job) {
      return ran;
    }
    const Status outcome = Process(**job);
    if (Status finished = Finish(**job, outcome); !finished) {
      return Fail(finished.error());
    }
    ++ran;
  }
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
    // NOTE: on a database with many unindexed documents this queues one job each and runs them
    // back to back, one write transaction per job. On SQLite that starved other writers for
    // seconds in a 20,000-document test (a registration took 2.6 s), so batching and pausing
    // between jobs is still to do.
    if (Clock::now() >= next_resync) {
      next_resync = Clock::now() + std::chrono::seconds(options_.resync_interval_seconds);
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
