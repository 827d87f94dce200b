;; An out-of-bounds `table.copy` or `table.init` must trap with "undefined element: table
;; index out of bounds" on both sides: wasmi 1.1 reports it as a table error rather than a
;; trap code, and the oracle maps it (seed 31634).
(module
  (table 4 8 funcref)
  (elem (i32.const 0) $f $f)
  (elem $passive func $f $f)
  (func $f)
  (func (export "copy")
    (table.copy (i32.const 3) (i32.const 0) (i32.const 2)))
  (func (export "init")
    (table.init $passive (i32.const 3) (i32.const 0) (i32.const 2))))
