// Fresh-process measurements. fork + exec (not fork alone) so the child starts with nothing of the parent's module
// state; the child's stdout is a pipe the parent reads one line from.
#include "bench/p11bench/cold_start.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "bench/p11bench/module.h"
#include "bench/p11bench/token_ops.h"

namespace cf::bench {
namespace {

long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

Result<ColdFigures> Measure(const ColdRequest& r) {
  ColdFigures fig;
  auto t0 = std::chrono::steady_clock::now();
  CF_ASSIGN_OR_RETURN(auto module, Module::Load(r.module));
  CF_ASSIGN_OR_RETURN(CK_SLOT_ID slot, module->FindSlot(r.token_label));
  CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE s, module->OpenSession(slot));
  CF_RETURN_IF_ERROR(module->Login(s, CKU_USER, r.pin));
  TokenOps ops(module->f(), s);
  CF_ASSIGN_OR_RETURN(auto found, ops.FindByLabel(r.find_label));
  auto t1 = std::chrono::steady_clock::now();
  fig.ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  fig.found = found.size();
  if (r.enumerate) {
    CF_RETURN_IF_ERROR(Ck(module->f()->C_FindObjectsInit(s, nullptr, 0), "C_FindObjectsInit(all)"));
    std::vector<CK_OBJECT_HANDLE> batch(256);
    for (int guard = 0; guard < 100000; ++guard) {
      CK_ULONG n = 0;
      CF_RETURN_IF_ERROR(Ck(module->f()->C_FindObjects(s, batch.data(), batch.size(), &n), "C_FindObjects(all)"));
      if (n == 0) break;
      fig.objects += n;
    }
    CF_RETURN_IF_ERROR(Ck(module->f()->C_FindObjectsFinal(s), "C_FindObjectsFinal"));
  }
  fig.peak_rss_kib = PeakRssKib();
  return fig;
}

}  // namespace

int ColdChildMain(const ColdRequest& request) {
  Result<ColdFigures> fig = Measure(request);
  if (!fig.ok()) {
    std::printf("error %s\n", fig.status().message().c_str());
    return 1;
  }
  std::printf("ns=%.0f rss_kib=%ld found=%lu objects=%lu\n", fig->ns, fig->peak_rss_kib, fig->found, fig->objects);
  std::fflush(stdout);
  return 0;
}

Result<ColdFigures> RunColdChild(const std::string& self_exe, const ColdRequest& r) {
  int fds[2];
  if (pipe(fds) != 0) return Status(Code::kIoError, std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> args = {self_exe,        "--cold-child", "--module",     r.module,
                                   "--token-label", r.token_label,  "--find-label", r.find_label};
  if (r.enumerate) args.push_back("--enumerate");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Status(Code::kIoError, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(self_exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  ColdFigures fig;
  if (std::sscanf(out.c_str(), "ns=%lf rss_kib=%ld found=%lu objects=%lu", &fig.ns, &fig.peak_rss_kib, &fig.found,
                  &fig.objects) != 4) {
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return Status(Code::kInternal, "fresh-process child failed: " + (out.empty() ? "no output" : out));
  }
  return fig;
}

}  // namespace cf::bench
