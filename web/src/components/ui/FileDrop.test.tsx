import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { FileDrop } from "./FileDrop";

function Harness({ maxFiles }: { maxFiles: number }) {
  const [files, setFiles] = useState<File[]>([]);
  return (
    <>
      <FileDrop label="Attachments" files={files} onChange={setFiles} maxFiles={maxFiles} />
      <p data-testid="chosen">{files.map((file) => file.name).join(",")}</p>
    </>
  );
}

const file = (name: string) => new File(["x"], name, { type: "text/plain" });

describe("FileDrop", () => {
  it("replaces the file in single-file mode", async () => {
    const user = userEvent.setup();
    render(<Harness maxFiles={1} />);
    const input = screen.getByLabelText("Attachments");
    await user.upload(input, file("first.pdf"));
    expect(screen.getByTestId("chosen").textContent).toBe("first.pdf");
    await user.upload(input, file("second.pdf"));
    expect(screen.getByTestId("chosen").textContent).toBe("second.pdf");
  });

  it("appends in multi-file mode", async () => {
    const user = userEvent.setup();
    render(<Harness maxFiles={3} />);
    const input = screen.getByLabelText("Attachments");
    await user.upload(input, file("a.txt"));
    await user.upload(input, [file("b.txt"), file("c.txt")]);
    expect(screen.getByTestId("chosen").textContent).toBe("a.txt,b.txt,c.txt");
  });

  it("keeps the file when a drop carries none", async () => {
    const user = userEvent.setup();
    render(<Harness maxFiles={1} />);
    await user.upload(screen.getByLabelText("Attachments"), file("kept.pdf"));
    fireEvent.drop(screen.getByTestId("file-drop"), { dataTransfer: { files: [] } });
    expect(screen.getByTestId("chosen").textContent).toBe("kept.pdf");
  });

  it("reports files over the limit", async () => {
    const user = userEvent.setup();
    render(<Harness maxFiles={2} />);
    const input = screen.getByLabelText("Attachments");
    await user.upload(input, [file("a.txt"), file("b.txt"), file("c.txt")]);
    expect(screen.getByTestId("chosen").textContent).toBe("a.txt,b.txt");
    expect(screen.getByRole("status").textContent).toContain("1 file was not added");
  });

  it("labels the single-file button by state", async () => {
    const user = userEvent.setup();
    render(<Harness maxFiles={1} />);
    expect(screen.getByRole("button", { name: "Choose a file" })).toBeInTheDocument();
    await user.upload(screen.getByLabelText("Attachments"), file("first.pdf"));
    expect(screen.getByRole("button", { name: "Choose another file" })).toBeInTheDocument();
  });
});
