#!/usr/bin/env python3
"""Installs the build into a temporary prefix and runs the installed binary.

Checks that `cmake --install BUILD --prefix P` puts the binary, the PDF reader module and the
notebook kernel where the installed binary finds them: `P/bin/openlabs import articles` reads a
PDF with `P/lib/openlabs/openlabs-pdf.so`, and `P/bin/openlabs serve` finds its text by search.
Then it starts the installed server with OPENLABS_PDF_MODULE naming a missing file and checks
that the start-up log warns, that /readyz lists a warning, and that an article upload returns
503 with a message that names the module.

Usage: install_test.py --build-dir BUILD
Servers listen on 127.0.0.1, on a port from OPENLABS_TEST_PORTS ("FIRST-LAST") when it is set.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BUILD_DIR = ""
MODULE_NAME = "openlabs-pdf.so"
# A word that occurs only in the test PDF, so that search finds exactly that article.
SEARCH_WORD = "quasicrystalline"


def make_pdf(text):
    """Returns a one-page PDF whose page shows `text` in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    pdf = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n{body}\nendobj\n"
    xref_offset = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    pdf += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n"
    return pdf.encode("ascii")


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port():
    """Returns a free port from OPENLABS_TEST_PORTS, or one that the kernel picks."""
    ports = os.environ.get("OPENLABS_TEST_PORTS", "")
    if ports:
        first, last = (int(part) for part in ports.split("-"))
        for port in range(first, last + 1):
            if port_is_free(port):
                return port
        raise RuntimeError(f"no free port in OPENLABS_TEST_PORTS={ports}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_environment():
    """The environment of the installed binary, without settings that point elsewhere."""
    environment = dict(os.environ)
    for name in ("OPENLABS_PDF_MODULE", "OPENLABS_KERNEL_DIR", "OPENLABS_DATABASE_URL",
                 "OPENLABS_DATA_DIR", "OPENLABS_LISTEN", "OPENLABS_WEB_ROOT"):
        environment.pop(name, None)
    return environment


class InstalledServer:
    """A running `openlabs serve` from the prefix, stopped with SIGTERM by stop()."""

    def __init__(self, binary, data_dir, log_path, environment):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, env=environment)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"openlabs serve exited with {self.process.returncode}:\n"
                                   + self.log())
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("openlabs serve did not answer /healthz within 30 s:\n" + self.log())

    def get(self, path):
        """Sends GET `path` and returns the status and the parsed JSON body."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def post_json(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="openlabs-install-test-")
        # The notebook kernel's sandbox runs under other uids, which must reach the prefix.
        os.chmod(cls.root, 0o755)
        cls.prefix = os.path.join(cls.root, "prefix")
        installed = subprocess.run(
            ["cmake", "--install", BUILD_DIR, "--prefix", cls.prefix],
            capture_output=True, text=True)
        if installed.returncode != 0:
            raise RuntimeError("cmake --install failed:\n" + installed.stdout + installed.stderr)
        cls.binary = os.path.join(cls.prefix, "bin", "openlabs")
        cls.module = os.path.join(cls.prefix, "lib", "openlabs", MODULE_NAME)
        cls.environment = base_environment()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def new_folder(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path)
        return path

    def test_installs_files(self):
        self.assertTrue(os.access(self.binary, os.X_OK), self.binary)
        self.assertTrue(os.path.isfile(self.module), self.module)
        kernel = os.path.join(self.prefix, "share", "openlabs", "kernel")
        self.assertTrue(os.path.isfile(os.path.join(kernel, "run_kernel.py")), kernel)
        self.assertFalse(os.path.exists(os.path.join(kernel, "tests")))

    def test_installed_binary_imports_pdf(self):
        articles = self.new_folder("articles")
        with open(os.path.join(articles, "paper.pdf"), "wb") as pdf:
            pdf.write(make_pdf(f"Growing {SEARCH_WORD} alloys in the laboratory"))
        data_dir = self.new_folder("import-data")
        # Importers log warnings only at the default level, and the module's path is an info line.
        environment = dict(self.environment, OPENLABS_LOG_LEVEL="debug")

        imported = subprocess.run(
            [self.binary, "import", "articles", articles, "--data-dir", data_dir],
            capture_output=True, text=True, env=environment)

        output = imported.stdout + imported.stderr
        self.assertEqual(imported.returncode, 0, output)
        self.assertIn("Imported 1,", output)
        self.assertIn("loaded the PDF reader module " + self.module, output)

        server = InstalledServer(self.binary, data_dir, os.path.join(self.root, "serve.log"),
                                 self.environment)
        try:
            status, ready = server.get("/readyz")
            found_status, found = server.get(f"/api/v1/search?q={SEARCH_WORD}&type=article")
        finally:
            server.stop()
        self.assertEqual(status, 200)
        self.assertNotIn("warnings", ready)
        self.assertEqual(found_status, 200)
        self.assertEqual(found["total"], 1)
        self.assertIn(f"the PDF reader module {self.module} loads", server.log())

    def test_missing_module_answers_503(self):
        environment = dict(self.environment)
        missing = os.path.join(self.root, "missing", MODULE_NAME)
        environment["OPENLABS_PDF_MODULE"] = missing
        data_dir = self.new_folder("missing-module-data")
        server = InstalledServer(self.binary, data_dir, os.path.join(self.root, "missing.log"),
                                 environment)
        try:
            status, ready = server.get("/readyz")
            tokens = server.post_json("/api/v1/auth/register", {
                "username": "author", "email": "author@example.org",
                "password": "correct horse battery", "name": "Ada", "surname": "Lovelace"})
            pdf_path = os.path.join(self.root, "upload.pdf")
            with open(pdf_path, "wb") as pdf:
                pdf.write(make_pdf("An article that cannot be read"))
            upload = subprocess.run(
                ["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST",
                 "-H", "Authorization: Bearer " + tokens["access_token"],
                 "-F", "title=Unreadable", "-F", f"file=@{pdf_path};type=application/pdf",
                 server.url + "/api/v1/articles"],
                capture_output=True, text=True, check=True)
        finally:
            server.stop()
        log = server.log()

        self.assertEqual(status, 200)
        self.assertEqual(len(ready.get("warnings", [])), 1, ready)
        self.assertIn(MODULE_NAME, ready["warnings"][0])
        self.assertIn(missing + ": not found", log)
        body, _, upload_status = upload.stdout.rpartition("\n")
        self.assertEqual(upload_status, "503", upload.stdout)
        error = json.loads(body)["error"]
        self.assertEqual(error["code"], "unavailable")
        self.assertIn(MODULE_NAME, error["message"])
        self.assertNotIn(missing, error["message"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True, help="CMake build folder to install from")
    arguments, rest = parser.parse_known_args()
    BUILD_DIR = arguments.build_dir
    unittest.main(argv=[sys.argv[0]] + rest)
