#include "storage/s3_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

namespace openlabs::storage {
namespace {

struct DocumentDeleter {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
using Document = std::unique_ptr<xmlDoc, DocumentDeleter>;

// Parses without network access and without substituting entities, so a hostile server cannot
// make the parser fetch files or expand entities.
Document ParseDocument(std::string_view xml) {
  return Document(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "s3-response.xml",
                                nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

// Element names are compared without namespace, because S3 puts its elements in
// http://s3.amazonaws.com/doc/2006-03-01/ and some compatible servers use none.
bool HasName(const xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, BAD_CAST name) == 0;
}

std::string Text(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) {
    return "";
  }
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

const xmlNode* Child(const xmlNode* parent, const char* name) {
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (HasName(child, name)) {
      return child;
    }
  }
  return nullptr;
}

std::string ChildText(const xmlNode* parent, const char* name) {
  const xmlNode* child = Child(parent, name);
  return child == nullptr ? "" : Text(child);
}

// The root element when it has this name.
Result<const xmlNode*> Root(const xmlDoc* document, const char* name, std::string_view xml) {
  const xmlNode* root = document == nullptr ? nullptr : xmlDocGetRootElement(document);
  if (root == nullptr || !HasName(root, name)) {
    return Fail(Error::Internal("S3 response is not a <" + std::string(name) + "> document: " +
                                std::string(xml.substr(0, 200))));
  }
  return root;
}

}  // namespace

std::optional<S3ErrorBody> ParseS3Error(std::string_view xml) {
  const Document document = ParseDocument(xml);
  const xmlNode* root = document == nullptr ? nullptr : xmlDocGetRootElement(document.get());
  if (root == nullptr || !HasName(root, "Error")) {
    return std::nullopt;
  }
  return S3ErrorBody{ChildText(root, "Code"), ChildText(root, "Message")};
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  const Document document = ParseDocument(xml);
  Result<const xmlNode*> root = Root(document.get(), "ListBucketResult", xml);
  if (!root) {
    return Fail(root.error());
  }
  S3ListPage page;
  for (const xmlNode* child = (*root)->children; child != nullptr; child = child->next) {
    if (HasName(child, "Contents")) {
      page.keys.push_back(ChildText(child, "Key"));
    }
  }
  page.truncated = ChildText(*root, "IsTruncated") == "true";
  page.next_continuation_token = ChildText(*root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Fail(Error::Internal("S3 list response is truncated but has no NextContinuationToken"));
  }
  return page;
}

Result<std::string> ParseUploadId(std::string_view xml) {
  const Document document = ParseDocument(xml);
  Result<const xmlNode*> root = Root(document.get(), "InitiateMultipartUploadResult", xml);
  if (!root) {
    return Fail(root.error());
  }
  std::string upload_id = ChildText(*root, "UploadId");
  if (upload_id.empty()) {
    return Fail(Error::Internal("S3 multipart upload response has no UploadId"));
  }
  return upload_id;
}

Result<std::string> ParseCompletedEtag(std::string_view xml) {
  const Document document = ParseDocument(xml);
  Result<const xmlNode*> root = Root(document.get(), "CompleteMultipartUploadResult", xml);
  if (!root) {
    return Fail(root.error());
  }
  return UnquotedEtag(ChildText(*root, "ETag"));
}

std::string CompleteMultipartUploadXml(const std::vector<std::string>& part_etags) {
  const Document document(xmlNewDoc(BAD_CAST "1.0"));
  xmlNode* root = xmlNewNode(nullptr, BAD_CAST "CompleteMultipartUpload");
  xmlDocSetRootElement(document.get(), root);
  xmlNewNs(root, BAD_CAST "http://s3.amazonaws.com/doc/2006-03-01/", nullptr);
  for (size_t i = 0; i < part_etags.size(); ++i) {
    xmlNode* part = xmlNewChild(root, nullptr, BAD_CAST "Part", nullptr);
    xmlNewTextChild(part, nullptr, BAD_CAST "PartNumber",
                    BAD_CAST std::to_string(i + 1).c_str());
    xmlNewTextChild(part, nullptr, BAD_CAST "ETag", BAD_CAST("\"" + part_etags[i] + "\"").c_str());
  }
  xmlChar* text = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(document.get(), &text, &size, "UTF-8");
  std::string xml(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  xmlFree(text);
  return xml;
}

std::string UnquotedEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace openlabs::storage
