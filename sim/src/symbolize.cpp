// dladdr, not addr2line: no subprocess, and the module offset alone is
// already stable. Function names appear for exported symbols (executables
// linked with -rdynamic, shared libraries); demangled when they are C++.
#include "symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <algorithm>
#include <unordered_map>

namespace canopy::sim::detail {

std::string symbolize(const void* address) {
  if (address == nullptr) return "unknown";
  Dl_info info{};
  void* extra = nullptr;  // an ElfW(Sym)*, per RTLD_DL_SYMENT
  if (dladdr1(address, &info, &extra, RTLD_DL_SYMENT) == 0 ||
      info.dli_fname == nullptr)
    return "unknown";
  const char* slash = std::strrchr(info.dli_fname, '/');
  std::string module = slash != nullptr ? slash + 1 : info.dli_fname;
  auto offset = reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  char text[32];
  std::snprintf(text, sizeof text, "+0x%zx", static_cast<std::size_t>(offset));
  std::string out = module + text;
  const auto* symbol = static_cast<const ElfW(Sym)*>(extra);
  auto into = reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
  // dladdr names the nearest exported symbol below the address, which for a
  // local function (a lambda, a static) is some unrelated one: name it only
  // when the address lies inside it.
  if (info.dli_sname != nullptr && info.dli_saddr != nullptr && symbol != nullptr && into < symbol->st_size) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
    std::string name = status == 0 && demangled != nullptr ? demangled : info.dli_sname;
    std::free(demangled);
    std::snprintf(text, sizeof text, "+0x%zx", static_cast<std::size_t>(into));
    out += " (" + name + text + ")";
  }
  return out;
}

const std::string& symbolize_cached(const void* address) {
  // Bounded: a program that keeps loading code at new addresses starts over.
  constexpr std::size_t max_cached = std::size_t{1} << 16;
  thread_local std::unordered_map<const void*, std::string> names;
  auto it = names.find(address);
  if (it != names.end()) return it->second;
  if (names.size() >= max_cached) names.clear();
  return names.emplace(address, symbolize(address)).first->second;
}

namespace {
/// Sites placed per run of addr2line (its command line stays short).
constexpr std::size_t sites_per_query = 256;
}  // namespace

std::map<std::string, std::string> source_lines(const std::vector<std::string>& sites) {
  std::map<std::string, std::string> out;
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return out;
  exe[n] = '\0';
  const char* slash = std::strrchr(exe, '/');
  const std::string module = slash != nullptr ? slash + 1 : exe;
  for (char c : std::string(exe))
    if (c == '\'' || c == '\n') return out;  // not quotable simply: no lines rather than a wrong command
  char dir[4096];
  std::string cwd = ::getcwd(dir, sizeof dir) != nullptr ? std::string(dir) + "/" : "";
  std::vector<std::pair<std::string, std::string>> queries;  // (site, offset of the call instruction)
  for (const std::string& site : sites) {
    if (site.compare(0, module.size() + 3, module + "+0x") != 0) continue;
    std::size_t end = site.find(' ');
    unsigned long long offset = std::strtoull(site.substr(module.size() + 3, end).c_str(), nullptr, 16);
    if (offset == 0) continue;
    char text[32];
    // The site is a return address: the call itself is the byte before.
    std::snprintf(text, sizeof text, "0x%llx", offset - 1);
    queries.emplace_back(site, text);
  }
  for (std::size_t first = 0; first < queries.size(); first += sites_per_query) {
    std::size_t last = std::min(queries.size(), first + sites_per_query);
    std::string command = "addr2line -f -C -e '" + std::string(exe) + "'";
    for (std::size_t i = first; i < last; ++i) command += " " + queries[i].second;
    command += " 2>/dev/null";
    std::FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return out;
    char function[1024], place[4096];
    for (std::size_t i = first; i < last; ++i) {
      if (std::fgets(function, sizeof function, p) == nullptr || std::fgets(place, sizeof place, p) == nullptr) break;
      function[std::strcspn(function, "\n")] = '\0';
      place[std::strcspn(place, "\n")] = '\0';
      if (std::strncmp(place, "??", 2) == 0) continue;
      // addr2line appends " (discriminator N)" to some lines: not part of the place.
      if (char* d = std::strstr(place, " (discriminator")) *d = '\0';
      std::string where = place;
      // Under the current directory (a build run from the source root): relative, shorter.
      if (!cwd.empty() && where.compare(0, cwd.size(), cwd) == 0) where.erase(0, cwd.size());
      out[queries[i].first] = std::string(function) + " at " + where;
    }
    ::pclose(p);
  }
  return out;
}

}  // namespace canopy::sim::detail
