#include "services/notebooks/notebooks_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/random.h"
#include "services/notebooks/marimo_file.h"
#include "services/notebooks/notebook_importer.h"
#include "services/notebooks/sandboxed_syntax_checker.h"
#include "storage/test_database.h"

namespace openlabs::notebooks {
namespace {

namespace fs = std::filesystem;
using storage::Database;
using storage::Dialect;

constexpr int64_t kAuthor = 7;
constexpr int64_t kLearner = 8;
constexpr int64_t kOther = 9;
constexpr int64_t kLab = 100;

// Labs 100 and 101 by kAuthor; everything else is missing.
class FakeParents final : public NotebookParents {
 public:
  Result<ParentInfo> GetParent(std::string_view type, int64_t id, const CallContext&) override {
    if (type == "lab" && (id == kLab || id == kLab + 1)) {
      return ParentInfo{kAuthor};
    }
    return Fail(Error::NotFound("The " + std::string(type) + " does not exist."));
  }
};

CallContext User(int64_t id, std::string role = "user") {
  CallContext context;
  context.user_id = id;
  context.role = std::move(role);
  return context;
}

v1::NewNotebookCell PythonCell(const std::string& code, const std::string& name = "") {
  v1::NewNotebookCell cell;
  cell.set_code(code);
  cell.set_name(name);
  return cell;
}

class NotebooksServiceTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "notebooks", NotebooksMigrations()));
    blob_root_ = fs::temp_directory_path() / ("notebooks-test-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    NotebooksOptions options;
    options.max_cells = 50;
    options.max_cell_bytes = 1000;
    options.max_file_bytes = 4000;
    service_ = MakeNotebooksService(*database_, *blobs_, parents_, options);
  }

  void TearDown() override { fs::remove_all(blob_root_); }

  v1::Notebook Create(const std::string& title = "Sliders") {
    v1::CreateNotebookRequest request;
    request.set_parent_type("lab");
    request.set_parent_id(kLab);
    request.set_title(title);
    *request.add_cells() = PythonCell("import marimo as mo");
    v1::NewNotebookCell markdown;
    markdown.set_language("markdown");
    markdown.set_markdown("# Sliders\n\nMove it.");
    markdown.mutable_options()->set_hide_code(true);
    *request.add_cells() = markdown;
    *request.add_cells() = PythonCell("slider = mo.ui.slider(1, 10)\nslider", "make_slider");
    Result<v1::Notebook> created = service_->CreateNotebook(request, User(kAuthor));
    EXPECT_TRUE(created) << created.error().message;
    return created.value_or(v1::Notebook());
  }

  std::string Export(int64_t id, const CallContext& context = User(kAuthor)) {
    v1::ExportNotebookRequest request;
    request.set_id(id);
    Result<v1::ExportNotebookResponse> exported = service_->ExportNotebook(request, context);
    EXPECT_TRUE(exported) << exported.error().message;
    return exported ? exported->source() : "";
  }

  std::string PutBlob(const std::string& content) {
    const std::string key = "uploads/" + NewUuid();
    EXPECT_TRUE(blobs_->Put(key, content));
    return key;
  }

  std::unique_ptr<Database> database_;
  fs::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  // Rebuilds the service with Python's parser in a sandbox as its syntax checker. Only the
  // tests of unparsable cells use it, because each cell write then starts a process.
  void UseSyntaxChecker() {
    checker_ = MakeSandboxedSyntaxChecker(OPENLABS_TEST_KERNEL_DIR);
    NotebooksOptions options;
    options.syntax_checker = checker_.get();
    service_ = MakeNotebooksService(*database_, *blobs_, parents_, options);
  }

  FakeParents parents_;
  std::unique_ptr<CellSyntaxChecker> checker_;
  std::unique_ptr<NotebooksService> service_;
};

TEST_P(NotebooksServiceTest, SyntaxErrorThatTokenizesIsUnparsable) {
  UseSyntaxChecker();
  v1::ImportNotebookRequest request;
  request.set_parent_type("lab");
  request.set_parent_id(kLab);
  request.set_source(
      "import marimo\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    x = = 1\n    return\n\n\n"
      "@app.cell\ndef _():\n    y = 2\n    return (y,)\n");
  Result<v1::ImportNotebookResponse> imported = service_->ImportNotebook(request, User(kAuthor));
  ASSERT_TRUE(imported) << imported.error().message;
  const v1::Notebook& notebook = imported->notebook();
  ASSERT_EQ(notebook.cells_size(), 2);
  EXPECT_EQ(notebook.cells(0).kind(), "unparsable");
  EXPECT_EQ(notebook.cells(0).code(), "x = = 1");
  EXPECT_EQ(notebook.cells(1).kind(), "cell");
  ASSERT_EQ(imported->warnings_size(), 1);
  EXPECT_NE(imported->warnings(0).find("invalid syntax"), std::string::npos)
      << imported->warnings(0);
  const std::string exported = Export(notebook.id());
  const size_t unparsable = exported.find("app._unparsable_cell(");
  ASSERT_NE(unparsable, std::string::npos) << exported;
  EXPECT_NE(exported.find("x = = 1", unparsable), std::string::npos) << exported;
  EXPECT_EQ(exported.find("@app.cell\ndef _():\n    x = = 1"), std::string::npos) << exported;

  v1::UpdateCellRequest fix;
  fix.set_notebook_id(notebook.id());
  fix.set_cell_id(notebook.cells(0).id());
  fix.set_code("x = 1");
  Result<v1::Notebook> fixed = service_->UpdateCell(fix, User(kAuthor));
  ASSERT_TRUE(fixed) << fixed.error().message;
  EXPECT_EQ(fixed->cells(0).kind(), "cell");
  EXPECT_EQ(Export(notebook.id()).find("_unparsable_cell"), std::string::npos);

  v1::UpdateCellRequest breaking;
  breaking.set_notebook_id(notebook.id());
  breaking.set_cell_id(notebook.cells(1).id());
  breaking.set_code("y = = 2");
  Result<v1::Notebook> broken = service_->UpdateCell(breaking, User(kAuthor));
  ASSERT_TRUE(broken) << broken.error().message;
  EXPECT_EQ(broken->cells(1).kind(), "unparsable");

  v1::AddCellRequest add;
  add.set_notebook_id(notebook.id());
  *add.mutable_cell() = PythonCell("print(f\"{z!}\")");
  Result<v1::Notebook> added = service_->AddCell(add, User(kAuthor));
  ASSERT_TRUE(added) << added.error().message;
  ASSERT_EQ(added->cells_size(), 3);
  EXPECT_EQ(added->cells(2).kind(), "unparsable");
}

TEST_P(NotebooksServiceTest, CreateStoresCellsInOrder) {
  const v1::Notebook notebook = Create();
  ASSERT_EQ(notebook.cells_size(), 3);
  EXPECT_EQ(notebook.owner_id(), kAuthor);
  EXPECT_EQ(notebook.app_arguments(), "width=\"medium\"");
  EXPECT_EQ(notebook.cells(0).code(), "import marimo as mo");
  EXPECT_EQ(notebook.cells(1).language(), "markdown");
  EXPECT_EQ(notebook.cells(1).markdown(), "# Sliders\n\nMove it.");
  EXPECT_TRUE(notebook.cells(1).options().hide_code());
  EXPECT_EQ(notebook.cells(2).name(), "make_slider");
  EXPECT_EQ(notebook.revision(), 1);
}

TEST_P(NotebooksServiceTest, ExportOpensAsSameCells) {
  const v1::Notebook notebook = Create();
  Result<ParsedNotebook> parsed = ParseMarimoFile(Export(notebook.id()));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->notebook.cells.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parsed->notebook.cells[i].code, notebook.cells(i).code());
    EXPECT_EQ(parsed->notebook.cells[i].name, notebook.cells(i).name());
  }
  EXPECT_EQ(parsed->notebook.cells[1].options, nlohmann::json({{"hide_code", true}}));
}

TEST_P(NotebooksServiceTest, OnlyAuthorOrModeratorEdits) {
  const v1::Notebook notebook = Create();
  v1::AddCellRequest add;
  add.set_notebook_id(notebook.id());
  *add.mutable_cell() = PythonCell("x = 1");
  Result<v1::Notebook> by_learner = service_->AddCell(add, User(kLearner));
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kPermissionDenied);
  Result<v1::Notebook> anonymous = service_->AddCell(add, CallContext());
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);
  Result<v1::Notebook> by_moderator = service_->AddCell(add, User(kOther, "moderator"));
  ASSERT_TRUE(by_moderator) << by_moderator.error().message;
  EXPECT_EQ(by_moderator->cells_size(), 4);
  EXPECT_EQ(by_moderator->revision(), 2);

  v1::CreateNotebookRequest create;
  create.set_parent_type("lab");
  create.set_parent_id(kLab);
  create.set_title("Mine");
  Result<v1::Notebook> attached = service_->CreateNotebook(create, User(kLearner));
  ASSERT_FALSE(attached);
  EXPECT_EQ(attached.error().code, ErrorCode::kPermissionDenied);
}

TEST_P(NotebooksServiceTest, ReadingFollowsTheParent) {
  const v1::Notebook notebook = Create();
  v1::GetNotebookRequest get;
  get.set_id(notebook.id());
  EXPECT_TRUE(service_->GetNotebook(get, CallContext()));
  v1::CreateNotebookRequest missing_parent;
  missing_parent.set_parent_type("article");
  missing_parent.set_parent_id(5);
  missing_parent.set_title("x");
  Result<v1::Notebook> created = service_->CreateNotebook(missing_parent, User(kAuthor));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kNotFound);

  v1::ListNotebooksRequest list;
  list.set_parent_type("lab");
  list.set_parent_id(kLab);
  Result<v1::ListNotebooksResponse> listed = service_->ListNotebooks(list, CallContext());
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->items_size(), 1);
  EXPECT_EQ(listed->items(0).cell_count(), 3);
  EXPECT_EQ(listed->items(0).cells_size(), 0);
}

TEST_P(NotebooksServiceTest, UpdateReorderAndDeleteCells) {
  const v1::Notebook notebook = Create();
  v1::UpdateCellRequest update;
  update.set_notebook_id(notebook.id());
  update.set_cell_id(notebook.cells(2).id());
  update.set_code("slider = mo.ui.slider(1, 100)\nslider");
  update.set_name("_");
  update.set_expected_revision(1);
  Result<v1::Notebook> updated = service_->UpdateCell(update, User(kAuthor));
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->cells(2).code(), "slider = mo.ui.slider(1, 100)\nslider");
  EXPECT_EQ(updated->cells(2).name(), "_");
  Result<v1::Notebook> stale = service_->UpdateCell(update, User(kAuthor));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);

  v1::ReorderCellsRequest reorder;
  reorder.set_notebook_id(notebook.id());
  for (int i : {2, 0, 1}) {
    reorder.add_cell_ids(notebook.cells(i).id());
  }
  Result<v1::Notebook> reordered = service_->ReorderCells(reorder, User(kAuthor));
  ASSERT_TRUE(reordered) << reordered.error().message;
  EXPECT_EQ(reordered->cells(0).id(), notebook.cells(2).id());
  EXPECT_EQ(reordered->cells(2).id(), notebook.cells(1).id());
  reorder.add_cell_ids(notebook.cells(0).id());
  Result<v1::Notebook> repeated = service_->ReorderCells(reorder, User(kAuthor));
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error().code, ErrorCode::kValidationFailed);

  v1::DeleteCellRequest remove;
  remove.set_notebook_id(notebook.id());
  remove.set_cell_id(notebook.cells(0).id());
  Result<v1::Notebook> deleted = service_->DeleteCell(remove, User(kAuthor));
  ASSERT_TRUE(deleted) << deleted.error().message;
  ASSERT_EQ(deleted->cells_size(), 2);
  EXPECT_EQ(deleted->cells(0).id(), notebook.cells(2).id());
  Result<v1::Notebook> again = service_->DeleteCell(remove, User(kAuthor));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_P(NotebooksServiceTest, ConcurrentEditsKeepPositionsDense) {
  const v1::Notebook notebook = Create();
  constexpr int kThreads = 4;
  constexpr int kCellsPerThread = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCellsPerThread; ++i) {
        v1::AddCellRequest add;
        add.set_notebook_id(notebook.id());
        add.set_index(1);
        *add.mutable_cell() = PythonCell("# thread " + std::to_string(t));
        if (!service_->AddCell(add, User(kAuthor))) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  v1::GetNotebookRequest get;
  get.set_id(notebook.id());
  Result<v1::Notebook> after = service_->GetNotebook(get, User(kAuthor));
  ASSERT_TRUE(after);
  ASSERT_EQ(after->cells_size(), 3 + kThreads * kCellsPerThread);
  EXPECT_EQ(after->revision(), 1 + kThreads * kCellsPerThread);
  EXPECT_EQ(after->cells(0).id(), notebook.cells(0).id());
  EXPECT_EQ(after->cells(after->cells_size() - 1).id(), notebook.cells(2).id());
  soci::session session(database_->pool());
  long long positions = 0;
  const long long id = notebook.id();
  session << "SELECT COUNT(DISTINCT position) FROM notebook_cells WHERE notebook_id = :id",
      soci::use(id), soci::into(positions);
  EXPECT_EQ(positions, after->cells_size());
}

TEST_P(NotebooksServiceTest, ReplaceSourceSavesSessionExport) {
  const v1::Notebook notebook = Create();
  const std::string edited =
      "import marimo\n__generated_with = \"0.23.6\"\napp = marimo.App(width=\"full\")\n\n"
      "@app.cell\ndef _():\n    import marimo as mo\n    return (mo,)\n\n"
      "@app.cell\ndef _(mo):\n    total = 40 + 2\n    mo.md(f\"{total}\")\n    return\n";
  v1::ReplaceSourceRequest replace;
  replace.set_id(notebook.id());
  replace.set_source(edited);
  replace.set_expected_revision(1);
  Result<v1::ImportNotebookResponse> by_learner = service_->ReplaceSource(replace, User(kLearner));
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kPermissionDenied);
  Result<v1::ImportNotebookResponse> replaced = service_->ReplaceSource(replace, User(kAuthor));
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(replaced->notebook().id(), notebook.id());
  EXPECT_EQ(replaced->notebook().title(), "Sliders");
  EXPECT_EQ(replaced->notebook().revision(), 2);
  EXPECT_EQ(replaced->notebook().app_arguments(), "width=\"full\"");
  ASSERT_EQ(replaced->notebook().cells_size(), 2);
  EXPECT_EQ(replaced->notebook().cells(1).code(), "total = 40 + 2\nmo.md(f\"{total}\")");
  Result<v1::ImportNotebookResponse> stale = service_->ReplaceSource(replace, User(kAuthor));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);
  replace.clear_expected_revision();
  replace.set_source("not a notebook");
  Result<v1::ImportNotebookResponse> invalid = service_->ReplaceSource(replace, User(kAuthor));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(invalid.error().details.size(), 1u);
  EXPECT_EQ(invalid.error().details[0].field, "source");
}

TEST_P(NotebooksServiceTest, LimitsAreEnforced) {
  const v1::Notebook notebook = Create();
  v1::AddCellRequest add;
  add.set_notebook_id(notebook.id());
  *add.mutable_cell() = PythonCell(std::string(1001, 'x'));
  Result<v1::Notebook> too_long = service_->AddCell(add, User(kAuthor));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(too_long.error().details.at(0).field, "cell.code");

  *add.mutable_cell() = PythonCell("x = 1", "not valid");
  Result<v1::Notebook> bad_name = service_->AddCell(add, User(kAuthor));
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().details.at(0).field, "cell.name");

  v1::CreateNotebookRequest create;
  create.set_parent_type("lab");
  create.set_parent_id(kLab + 1);
  create.set_title("Many");
  for (int i = 0; i < 51; ++i) {
    *create.add_cells() = PythonCell("pass");
  }
  Result<v1::Notebook> too_many = service_->CreateNotebook(create, User(kAuthor));
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().details.at(0).field, "cells");

  v1::AddCellRequest setup;
  setup.set_notebook_id(notebook.id());
  setup.mutable_cell()->set_kind("setup");
  setup.mutable_cell()->set_code("import math");
  Result<v1::Notebook> misplaced = service_->AddCell(setup, User(kAuthor));
  ASSERT_FALSE(misplaced);
  EXPECT_EQ(misplaced.error().details.at(0).field, "cells");
  setup.set_index(0);
  EXPECT_TRUE(service_->AddCell(setup, User(kAuthor)));

  // 4000 bytes of code in total fit in the fixture's notebook file limit.
  *add.mutable_cell() = PythonCell(std::string(900, '#'));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(service_->AddCell(add, User(kAuthor))) << i;
  }
  Result<v1::Notebook> too_much = service_->AddCell(add, User(kAuthor));
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().details.at(0).field, "cells");
}

TEST_P(NotebooksServiceTest, ImportKeepsFileAndSkipsDuplicates) {
  const std::string source =
      "# /// script\n# dependencies = [\"marimo\"]\n# ///\n\nimport marimo\n\n"
      "__generated_with = \"0.19.7\"\napp = marimo.App(app_title=\"Dice\")\n\n\n"
      "@app.cell(hide_code=True)\ndef roll(mo):\n    mo.md(\"Roll\")\n    return\n\n\n"
      "if __name__ == \"__main__\":\n    app.run()\n";
  v1::ImportNotebookRequest request;
  request.set_parent_type("lab");
  request.set_parent_id(kLab);
  request.set_filename("dice.py");
  request.set_source(source);
  request.set_source_key("examples/dice.py");
  request.set_source_sha256(Sha256Hex(source));
  Result<v1::ImportNotebookResponse> imported = service_->ImportNotebook(request, User(kAuthor));
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->notebook().title(), "Dice");
  EXPECT_EQ(imported->notebook().header(), "# /// script\n# dependencies = [\"marimo\"]\n# ///");
  ASSERT_EQ(imported->notebook().cells_size(), 1);
  EXPECT_EQ(imported->notebook().cells(0).name(), "roll");
  EXPECT_EQ(imported->notebook().cells(0).language(), "markdown");

  const std::string exported = Export(imported->notebook().id());
  EXPECT_TRUE(exported.starts_with("# /// script\n")) << exported;
  EXPECT_NE(exported.find("app = marimo.App(app_title=\"Dice\")"), std::string::npos);

  Result<v1::ImportNotebookResponse> twice = service_->ImportNotebook(request, User(kAuthor));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
  v1::FindNotebookBySourceRequest find;
  find.set_parent_type("lab");
  find.set_parent_id(kLab);
  find.set_source_key("examples/dice.py");
  Result<v1::FindNotebookBySourceResponse> found = service_->FindNotebookBySource(find);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->found());
  EXPECT_EQ(found->notebook_id(), imported->notebook().id());

  request.set_source("print('not a notebook')\n");
  request.set_source_key("other.py");
  Result<v1::ImportNotebookResponse> rejected = service_->ImportNotebook(request, User(kAuthor));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::kValidationFailed);
  EXPECT_NE(rejected.error().message.find("not a marimo notebook"), std::string::npos)
      << rejected.error().message;
}

TEST_P(NotebooksServiceTest, AssetsAndSessionSource) {
  const v1::Notebook notebook = Create();
  v1::AddNotebookAssetsRequest add;
  add.set_notebook_id(notebook.id());
  v1::NewNotebookAsset* asset = add.add_assets();
  asset->set_path("./data/points.csv");
  asset->set_filename("points.csv");
  asset->set_blob_key(PutBlob("x,y\n1,2\n"));
  asset->set_size(8);
  asset->set_sha256(Sha256Hex("x,y\n1,2\n"));
  asset->set_head("x,y\n1,2\n");
  Result<v1::AddNotebookAssetsResponse> added = service_->AddAssets(add, User(kAuthor));
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->items(0).path(), "data/points.csv");
  EXPECT_EQ(added->items(0).content_type(), "text/csv");
  Result<v1::AddNotebookAssetsResponse> taken = service_->AddAssets(add, User(kAuthor));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);

  v1::GetNotebookSourceRequest get;
  get.set_id(notebook.id());
  Result<v1::NotebookSource> source = service_->GetNotebookSource(get, CallContext());
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ(source->revision(), 2);
  EXPECT_EQ(source->filename(), "sliders.py");
  EXPECT_NE(source->source().find("def make_slider(mo):"), std::string::npos);
  ASSERT_EQ(source->assets_size(), 1);

  const fs::path work = blob_root_ / "work";
  ASSERT_TRUE(MaterializeAssets(*blobs_, *source, work));
  std::ifstream in(work / "data" / "points.csv");
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "x,y\n1,2\n");

  v1::DeleteNotebookAssetRequest remove;
  remove.set_notebook_id(notebook.id());
  remove.set_asset_id(added->items(0).id());
  Result<v1::DeleteNotebookAssetResponse> by_learner =
      service_->DeleteAsset(remove, User(kLearner));
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->DeleteAsset(remove, User(kAuthor)));
  EXPECT_FALSE(blobs_->Stat(asset->blob_key()));
}

TEST_P(NotebooksServiceTest, LearnerCopiesArePrivate) {
  const v1::Notebook notebook = Create();
  v1::SaveCopyRequest save;
  save.set_notebook_id(notebook.id());
  *save.add_cells() = PythonCell("import marimo as mo");
  *save.add_cells() = PythonCell("answer = 42");
  Result<v1::Notebook> copy = service_->SaveCopy(save, User(kLearner));
  ASSERT_TRUE(copy) << copy.error().message;
  EXPECT_EQ(copy->copy_of(), notebook.id());
  EXPECT_EQ(copy->owner_id(), kLearner);
  EXPECT_EQ(copy->title(), "Sliders");
  ASSERT_EQ(copy->cells_size(), 2);

  v1::GetNotebookRequest get;
  get.set_id(copy->id());
  EXPECT_TRUE(service_->GetNotebook(get, User(kLearner)));
  EXPECT_TRUE(service_->GetNotebook(get, User(kOther, "moderator")));
  Result<v1::Notebook> by_other = service_->GetNotebook(get, User(kOther));
  ASSERT_FALSE(by_other);
  EXPECT_EQ(by_other.error().code, ErrorCode::kNotFound);
  Result<v1::Notebook> by_author = service_->GetNotebook(get, User(kAuthor));
  ASSERT_FALSE(by_author);
  EXPECT_EQ(by_author.error().code, ErrorCode::kNotFound);

  v1::SaveCopyRequest from_session;
  from_session.set_notebook_id(notebook.id());
  from_session.set_title("From my session");
  from_session.set_source(Export(notebook.id()));
  Result<v1::Notebook> second = service_->SaveCopy(from_session, User(kLearner));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->cells_size(), 3);

  v1::ListMyCopiesRequest list;
  Result<v1::ListMyCopiesResponse> mine = service_->ListMyCopies(list, User(kLearner));
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine->items_size(), 2);
  EXPECT_EQ(mine->items(0).id(), second->id());
  list.set_notebook_id(notebook.id() + 1000);
  EXPECT_EQ(service_->ListMyCopies(list, User(kLearner))->items_size(), 0);
  EXPECT_EQ(service_->ListMyCopies(v1::ListMyCopiesRequest(), User(kOther))->items_size(), 0);

  v1::ListNotebooksRequest originals;
  originals.set_parent_type("lab");
  originals.set_parent_id(kLab);
  EXPECT_EQ(service_->ListNotebooks(originals, CallContext())->items_size(), 1);
}

// The export lists originals only, in id order, a page at a time, and checks its arguments.
TEST_P(NotebooksServiceTest, ExportListsOriginalsByPage) {
  std::vector<int64_t> originals;
  for (int i = 0; i < 5; ++i) {
    originals.push_back(Create("Notebook " + std::to_string(i)).id());
  }
  v1::SaveCopyRequest save;
  save.set_notebook_id(originals[0]);
  ASSERT_TRUE(service_->SaveCopy(save, User(kLearner)));

  std::vector<int64_t> exported;
  v1::ExportNotebooksRequest request;
  request.set_limit(2);
  int pages = 0;
  for (;; ++pages) {
    Result<v1::ExportNotebooksResponse> page = service_->ExportNotebooks(request);
    ASSERT_TRUE(page) << page.error().message;
    for (const v1::Notebook& notebook : page->items()) {
      exported.push_back(notebook.id());
      EXPECT_EQ(notebook.parent_type(), "lab");
      EXPECT_EQ(notebook.parent_id(), kLab);
      EXPECT_EQ(notebook.cell_count(), 3);
      EXPECT_EQ(notebook.cells_size(), 0);
      EXPECT_GT(notebook.updated_at(), 0);
    }
    if (page->next_after_id() == 0) {
      break;
    }
    request.set_after_id(page->next_after_id());
  }
  EXPECT_EQ(exported, originals);
  EXPECT_EQ(pages, 2);

  request.set_after_id(-1);
  request.set_limit(5001);
  Result<v1::ExportNotebooksResponse> invalid = service_->ExportNotebooks(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(invalid.error().details.size(), 2u);
}

TEST_P(NotebooksServiceTest, EmptyCopyRequestCopiesOriginal) {
  const v1::Notebook notebook = Create();
  v1::SaveCopyRequest save;
  save.set_notebook_id(notebook.id());
  Result<v1::Notebook> copy = service_->SaveCopy(save, User(kLearner));
  ASSERT_TRUE(copy) << copy.error().message;
  ASSERT_EQ(copy->cells_size(), notebook.cells_size());
  for (int i = 0; i < notebook.cells_size(); ++i) {
    EXPECT_EQ(copy->cells(i).code(), notebook.cells(i).code()) << "cell " << i;
  }
}

TEST_P(NotebooksServiceTest, DeleteNotebookRemovesAssets) {
  const v1::Notebook notebook = Create();
  v1::AddNotebookAssetsRequest add;
  add.set_notebook_id(notebook.id());
  v1::NewNotebookAsset* asset = add.add_assets();
  asset->set_filename("a.txt");
  asset->set_blob_key(PutBlob("a"));
  asset->set_size(1);
  asset->set_sha256(Sha256Hex("a"));
  ASSERT_TRUE(service_->AddAssets(add, User(kAuthor)));
  v1::DeleteNotebookRequest remove;
  remove.set_id(notebook.id());
  Result<v1::DeleteNotebookResponse> by_learner = service_->DeleteNotebook(remove, User(kLearner));
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->DeleteNotebook(remove, User(kAuthor)));
  EXPECT_FALSE(blobs_->Stat(asset->blob_key()));
  v1::GetNotebookRequest get;
  get.set_id(notebook.id());
  Result<v1::Notebook> gone = service_->GetNotebook(get, User(kAuthor));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

ParentChooser FixedLab() {
  return [](const NotebookDraft&) -> Result<NotebookParent> {
    return NotebookParent{"lab", kLab, "lab 100"};
  };
}

TEST_P(NotebooksServiceTest, ImporterStoresReferencedFiles) {
  const fs::path dir = blob_root_ / "import";
  WriteFile(dir / "course" / "data" / "points.csv", "x,y\n1,2\n");
  WriteFile(dir / "secret.txt", "outside the notebook's folder is still inside the import");
  WriteFile(dir / "course" / "analysis.py",
            "import marimo\napp = marimo.App()\n\n@app.cell\ndef _(mo):\n"
            "    mo.md(\"# Points\")\n    return\n\n@app.cell\ndef _(pd):\n"
            "    df = pd.read_csv(\"data/points.csv\")\n    other = open(\"../secret.txt\")\n"
            "    missing = open(\"nothing.csv\")\n    return (df,)\n");
  WriteFile(dir / "helper.py", "def helper():\n    return 1\n");
  WriteFile(dir / "broken.py", "import marimo\napp = marimo.App(\n");
  std::ostringstream out;
  Result<NotebookImportSummary> summary =
      ImportNotebooks(dir, *service_, *blobs_, User(kAuthor), FixedLab(), {}, out);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->imported, 1) << out.str();
  EXPECT_EQ(summary->ignored, 1) << out.str();
  EXPECT_EQ(summary->rejected, 1) << out.str();
  EXPECT_NE(out.str().find("rejected broken.py: The file is not valid Python"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("ignored helper.py: not a marimo notebook"), std::string::npos)
      << out.str();

  v1::ListNotebooksRequest list;
  list.set_parent_type("lab");
  list.set_parent_id(kLab);
  Result<v1::ListNotebooksResponse> listed = service_->ListNotebooks(list, CallContext());
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->items_size(), 1);
  EXPECT_EQ(listed->items(0).title(), "Points");
  EXPECT_EQ(listed->items(0).source_key(), "course/analysis.py");
  v1::GetNotebookRequest get;
  get.set_id(listed->items(0).id());
  Result<v1::Notebook> notebook = service_->GetNotebook(get, CallContext());
  ASSERT_TRUE(notebook);
  ASSERT_EQ(notebook->assets_size(), 1);
  EXPECT_EQ(notebook->assets(0).path(), "data/points.csv");

  WriteFile(dir / "course" / "analysis.py", "import marimo\napp = marimo.App()\n");
  std::ostringstream again;
  Result<NotebookImportSummary> second =
      ImportNotebooks(dir, *service_, *blobs_, User(kAuthor), FixedLab(), {}, again);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->imported, 0);
  EXPECT_EQ(second->rejected, 2) << again.str();
  EXPECT_NE(again.str().find("has changed since; delete that notebook"), std::string::npos)
      << again.str();
}

TEST_P(NotebooksServiceTest, ImporterTakesWholeCorpusOnce) {
  const char* corpus = std::getenv("OPENLABS_CORPUS_DIR");
  const fs::path dir =
      fs::path(corpus != nullptr && *corpus != '\0' ? corpus : "/work/shared/corpus") /
      "marimo-notebooks";
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "no notebooks in " << dir << "; set OPENLABS_CORPUS_DIR";
  }
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    files += entry.path().extension() == ".py" ? 1 : 0;
  }
  // The fixture's service has small limits; the corpus needs the default ones.
  std::unique_ptr<NotebooksService> service = MakeNotebooksService(*database_, *blobs_, parents_);
  std::ostringstream out;
  Result<NotebookImportSummary> summary =
      ImportNotebooks(dir, *service, *blobs_, User(kAuthor), FixedLab(), {}, out);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->imported, static_cast<int>(files)) << out.str();
  EXPECT_EQ(summary->rejected, 0) << out.str();
  std::ostringstream again;
  Result<NotebookImportSummary> second =
      ImportNotebooks(dir, *service, *blobs_, User(kAuthor), FixedLab(), {}, again);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->skipped, static_cast<int>(files)) << again.str();
  EXPECT_EQ(second->imported, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, NotebooksServiceTest,
                         ::testing::ValuesIn(storage::TestDialects()),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return storage::DialectName(info.param);
                         });

}  // namespace
}  // namespace openlabs::notebooks
