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

}  // namespace canopy::sim::detail
