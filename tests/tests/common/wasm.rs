//! Wasm modules built byte by byte, for inputs a text format cannot express (counts that
//! lie, millions of instructions) or that are quicker to generate than to parse.

/// `value` in unsigned LEB128.
pub fn leb128(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A section: id, payload length, payload.
pub fn section(id: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    out.extend(leb128(payload.len() as u64));
    out.extend_from_slice(payload);
    out
}

/// A module of `sections` after the wasm header.
pub fn module(sections: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for s in sections {
        out.extend_from_slice(s);
    }
    out
}

/// Type section with one `[] -> []` type.
pub fn one_type() -> Vec<u8> {
    section(1, &[1, 0x60, 0, 0])
}

/// A module whose one exported function `_start` has `locals` and `body` (without `end`).
pub fn one_function(locals: &[u8], body: &[u8]) -> Vec<u8> {
    let mut code = locals.to_vec();
    code.extend_from_slice(body);
    code.push(0x0b);
    let mut entry = leb128(code.len() as u64);
    entry.extend(code);
    let mut code_section = vec![1];
    code_section.extend(entry);
    module(&[
        one_type(),
        section(3, &[1, 0]),
        section(7, b"\x01\x06_start\x00\x00"),
        section(10, &code_section),
    ])
}

/// `count` functions of type 0, each with the body `[]`.
pub fn many_functions(count: u64) -> Vec<u8> {
    let mut functions = leb128(count);
    functions.extend(std::iter::repeat_n(0u8, count as usize));
    let mut code = leb128(count);
    for _ in 0..count {
        code.extend_from_slice(&[2, 0, 0x0b]);
    }
    module(&[one_type(), section(3, &functions), section(10, &code)])
}
