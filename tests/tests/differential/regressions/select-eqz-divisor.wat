;; wasm-smith guards a divisor x as `select(1, x, i32.eqz(x))`. wasmi 2.0.0 computes that
;; select wrongly when its other operand comes from `memory.size` and traps with "integer
;; divide by zero" (seeds 340 and 1307 of the first run); wasmi 1.1 and wasmpi return 0.
;; Kept so a move of the reference back to a wasmi with this bug shows at once.
(module
  (memory (export "memory") 1)
  (func (export "rem") (result i32) (local i32)
    memory.size
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    i32.rem_u)
  (func (export "add") (result i32) (local i32)
    memory.size
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    i32.add))
