// wasmpi's C++ runtime support, linked into every program `wasmpi c++` links.
//
// Debian's libc++abi for wasm32 is built without exceptions, and clang 14 has no wasm
// exception handling that wasmpi's compiler tiers run. So `wasmpi c++` compiles with
// -fexceptions -fignore-exceptions: try/catch/throw compile, catch blocks are never entered,
// and a throw calls the two functions below, which end the program the way an uncaught
// exception does natively: one line naming the exception's type and, for a std::exception,
// its what(), printed by the launcher (with the rank, and the MPI job aborted).
#include <cstddef>
#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <stdexcept>
#include <typeinfo>

extern "C" {
__attribute__((import_module("env"), import_name("wasmpi_uncaught_exception"), noreturn))
void wasmpi_uncaught_exception(const char *type, const char *what);
}

namespace {

// Multiple inheritance, so that its type_info is a __vmi_class_type_info.
struct Left { virtual ~Left(); };
struct Right { virtual ~Right(); };
struct Both : Left, Right {};
Left::~Left() {}
Right::~Right() {}

// The layouts of libc++abi's type_info classes on wasm32 (Itanium C++ ABI, 2.9.5).
struct SiTypeInfo {
    const void *vtable;
    const char *name;
    const void *base;
};
struct BaseInfo {
    const void *type;
    long offset_flags;
};
struct VmiTypeInfo {
    const void *vtable;
    const char *name;
    unsigned flags;
    unsigned base_count;
    BaseInfo bases[1];
};

const void *vtable_of(const std::type_info &type) {
    return *reinterpret_cast<const void *const *>(&type);
}

// `object`, of dynamic type `type`, as its std::exception subobject, if it has a public,
// non-virtual one.
const std::exception *as_exception(const void *type, const char *object, int depth) {
    if (depth > 64) {
        return nullptr;
    }
    if (type == &typeid(std::exception)) {
        return reinterpret_cast<const std::exception *>(object);
    }
    const void *vtable = *static_cast<const void *const *>(type);
    if (vtable == vtable_of(typeid(std::runtime_error))) {
        return as_exception(static_cast<const SiTypeInfo *>(type)->base, object, depth + 1);
    }
    if (vtable == vtable_of(typeid(Both))) {
        const VmiTypeInfo *vmi = static_cast<const VmiTypeInfo *>(type);
        for (unsigned i = 0; i < vmi->base_count; i++) {
            long flags = vmi->bases[i].offset_flags;
            bool is_virtual = flags & 1, is_public = flags & 2;
            if (is_virtual || !is_public) {
                continue;
            }
            const std::exception *found =
                as_exception(vmi->bases[i].type, object + (flags >> 8), depth + 1);
            if (found) {
                return found;
            }
        }
    }
    return nullptr;
}

} // namespace

extern "C" {

void *__cxa_allocate_exception(std::size_t size) noexcept {
    void *object = std::malloc(size);
    if (!object) {
        wasmpi_uncaught_exception("std::bad_alloc", "no memory left for the exception");
    }
    return object;
}

void __cxa_throw(void *object, std::type_info *type, void (*)(void *)) {
    int status = -1;
    char *demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
    const char *name = status == 0 && demangled ? demangled : type->name();
    const std::exception *exception = as_exception(type, static_cast<const char *>(object), 0);
    wasmpi_uncaught_exception(name, exception ? exception->what() : nullptr);
}
}
