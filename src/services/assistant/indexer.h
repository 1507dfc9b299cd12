#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <thread>
#include <vector>

#include "common/error.h"
#include "services/assistant/model_client.h"
#include "services/assistant/passage_store.h"
#include "services/assistant/vector_index.h"
#include "storage/database.h"

namespace openlabs::assistant {

// A lab, article or notebook as its service returns it, before splitting.
struct SourceDocument {
  std::string type;  // "lab", "article" or "notebook"
  int64_t id = 0;
  std::string title;
  int64_t version = 0;  // the source's update time
  std::string markdown;             // labs
  std::vector<std::string> pages;   // articles: the text of each PDF page, page 1 first
  std::vector<NotebookCell> cells;  // notebooks
};

struct SourceVersion {
  std::string type;
  int64_t id = 0;
  int64_t version = 0;
};

// Reads the content the assistant indexes from the services that own it. The platform wires it
// to the labs and articles services.
class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  // The document, or nullopt when it no longer exists.
  virtual Result<std::optional<SourceDocument>> Load(std::string_view type, int64_t id) = 0;
  // Every document that should be indexed, with its version.
  virtual Result<std::vector<SourceVersion>> List() = 0;
};

// The passages of a document, split by its kind and titled.
IndexedDocument SplitDocument(const SourceDocument& source);

struct IndexerOptions {
  int max_attempts = 5;             // failed jobs are retried this often, with growing delays
  int lease_seconds = 300;          // a running job not finished by then is taken again
  int poll_interval_ms = 2000;      // how often the worker looks for due jobs without a wake-up
  int embedding_batch = 32;         // passages sent per /v1/embeddings request
  // How often the worker compares every source's version with the indexed one. This catches
  // changes that send no notice, such as notebook edits, and notices lost in a crash.
  int resync_interval_seconds = 300;
  int embedding_retry_seconds = 60;  // pause after a failed /v1/embeddings request
  // Jobs claimed and finished together. Each job's passages are replaced in a transaction of
  // its own, so a batch never holds the database's write lock for long.
  int batch_size = 16;
  // Pause after each batch, so that a long backlog leaves CPU time to the requests.
  int batch_pause_ms = 20;
  int enqueue_batch_size = 500;  // jobs queued per transaction by EnqueueChanged
};

// Keeps the passages in step with the sources through jobs in the assistant_index_jobs table.
// Enqueue records a job. A background thread (Start) takes due jobs and splits a document again
// when its version changed. It also embeds new passages when an embedding endpoint is set. Jobs
// survive restarts, and a job whose worker died is taken again after its lease. Thread-safe.
class Indexer {
 public:
  Indexer(storage::Database& database, PassageStore& store, DocumentSource& source,
          VectorIndex* vectors, ModelEndpoint embeddings, IndexerOptions options = {});
  ~Indexer();
  Indexer(const Indexer&) = delete;
  Indexer& operator=(const Indexer&) = delete;

  // Queues a job to bring the document in step; a job already queued for it is kept.
  Status Enqueue(std::string_view type, int64_t id);

  // Queues a job for each document, `enqueue_batch_size` per transaction.
  Status EnqueueAll(const std::vector<std::pair<std::string, int64_t>>& documents);

  // Queues a job for every source document whose indexed version differs, and for every indexed
  // document that no longer exists. Returns the number of jobs queued.
  Result<int> EnqueueChanged();

  // Runs due jobs in batches until none is left or Stop is called; returns how many ran. Used
  // by the worker and by tests.
  Result<int> RunPending();

  // Deletes finished jobs older than a day.
  Status PurgeDoneJobs();

  // Embeds passages that have no vector from the configured model yet, up to `limit`. Returns
  // how many were embedded; 0 without an embedding endpoint.
  Result<int> EmbedMissing(int limit);

  // Splits and stores one document now, without a job.
  Status IndexNow(const SourceDocument& source);

  // Loads the stored vectors of the configured model into the vector index.
  Result<int> LoadVectors();

  // Starts the background worker: it loads the vectors, queues changed documents, then runs
  // jobs as they come. Stop (or the destructor) ends it after the current job.
  void Start();
  void Stop();

 private:
  struct Job {
    long long id = 0;
    std::string doc_type;
    long long doc_id = 0;
    int attempts = 0;
  };

  // Marks up to `limit` due jobs as running, oldest due first.
  Result<std::vector<Job>> ClaimBatch(int limit);
  Status Process(const Job& job);
  // Records the outcome of the first outcomes.size() jobs and puts the rest back in the queue.
  Status FinishBatch(const std::vector<Job>& jobs, const std::vector<Status>& outcomes);
  bool stopping();
  // Waits up to `pause`; returns false when Stop was called.
  bool Pause(std::chrono::milliseconds pause);
  void Run();

  storage::Database& database_;
  PassageStore& store_;
  DocumentSource& source_;
  VectorIndex* vectors_;
  ModelEndpoint embeddings_;
  IndexerOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread worker_;
};

}  // namespace openlabs::assistant
