// A C++ module built without exception support that still throws (its libc++ calls
// __cxa_allocate_exception/__cxa_throw, imported from env): a clean fatal error naming the type.
#include <stdexcept>
#include <cstdio>
#include <new>
#include <typeinfo>
extern "C" void *__cxa_allocate_exception(unsigned long) __attribute__((import_module("env"), import_name("__cxa_allocate_exception")));
extern "C" void __cxa_throw(void *, void *, void (*)(void *)) __attribute__((import_module("env"), import_name("__cxa_throw")));
int main() { std::puts("about to throw"); void *e = __cxa_allocate_exception(sizeof(std::runtime_error)); new (e) std::runtime_error("boom"); __cxa_throw(e, (void *)&typeid(std::runtime_error), nullptr); }
