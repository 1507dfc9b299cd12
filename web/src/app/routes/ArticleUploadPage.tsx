import { useNavigate } from "react-router";

import { ArticleUploadForm } from "@/features/articles";
import { useDocumentTitle } from "@/lib/use-document-title";

export function ArticleUploadPage() {
  useDocumentTitle("Upload an article");
  const navigate = useNavigate();
  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-2xl font-bold">Upload an article</h1>
      <ArticleUploadForm
        onUploaded={(article) => {
          void navigate(`/articles/${article.id}`);
        }}
      />
    </div>
  );
}
