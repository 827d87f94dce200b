//! The MPI state of one instance: handle tables and translation of special values.

use super::handles::HandleTable;
use super::host::HostConstants;
use mpi::ffi;
use std::any::Any;
use std::collections::HashMap;
use wasmpi_abi::mpi as guest;

/// Handles stored inline in the tables on every point-to-point call's path: all predefined
/// ones (see [`HandleTable`]).
const PREDEFINED: usize = guest::FIRST_DYNAMIC_HANDLE as usize;

/// A communicator.
pub struct Comm {
    /// Host handle.
    pub host: ffi::MPI_Comm,
    /// Guest error handler handle (`MPI_ERRORS_ARE_FATAL` by default).
    pub errhandler: i32,
}

/// A datatype and its geometry, as the guest sees it (which is also how the host sees it:
/// derived types are built from guest displacements).
#[derive(Clone, Copy)]
pub struct Datatype {
    /// Host handle.
    pub host: ffi::MPI_Datatype,
    /// Bytes of data in one element.
    pub size: i64,
    /// Distance between consecutive elements.
    pub extent: i64,
    /// Offset of the first byte of data from the element's start.
    pub true_lb: i64,
    /// Span from the first to the last byte of data.
    pub true_extent: i64,
    /// Guest name for messages (`MPI_INT`, or `derived datatype`).
    pub name: &'static str,
}

/// A request, with whatever must stay alive until it completes.
pub struct Request {
    /// Host handle.
    pub host: ffi::MPI_Request,
    /// Persistent requests stay allocated when they complete.
    pub persistent: bool,
    /// Converted argument arrays the host MPI reads until completion.
    pub keep: Option<Box<dyn Any>>,
}

/// Everything MPI-related of an instance.
pub struct Mpi {
    /// Host constants by name.
    pub host: HostConstants,
    /// Communicators.
    pub comms: HandleTable<Comm, PREDEFINED>,
    /// Datatypes.
    pub datatypes: HandleTable<Datatype, PREDEFINED>,
    /// Reduction operations.
    pub ops: HandleTable<ffi::MPI_Op>,
    /// Groups.
    pub groups: HandleTable<ffi::MPI_Group>,
    /// Requests.
    pub requests: HandleTable<Request>,
    /// Messages from matched probes (`MPI_MESSAGE_NO_PROC` predefined).
    pub messages: HandleTable<ffi::MPI_Message>,
    /// Info objects (`MPI_INFO_ENV` predefined; `MPI_INFO_NULL` is no entry).
    pub infos: HandleTable<ffi::MPI_Info>,
    /// Host keyvals of the communicator attribute keys the guest created.
    pub keyvals: HandleTable<i32>,
    /// Guest address of the ints that predefined communicator attributes point to, once
    /// reserved (see `comm.rs`).
    pub attr_area: Option<u32>,
    /// RMA windows.
    pub wins: HandleTable<super::rma::Win>,
    /// Guest addresses of the pages holding window attribute values (see `rma.rs`).
    pub win_attr_pages: Vec<u32>,
    /// Files; the predefined `MPI_FILE_NULL` slot holds the default file error handler.
    pub files: HandleTable<super::io::File>,
    /// Host error class → guest error class.
    error_classes: HashMap<i32, i32>,
    /// (guest, host) values of special ranks.
    special_ranks: [(i32, i32); 4],
    /// Host `MPI_ANY_TAG`.
    host_any_tag: i32,
    /// Host `MPI_DATATYPE_NULL`.
    pub null_datatype: ffi::MPI_Datatype,
    /// Host `MPI_BYTE` (status byte counts).
    pub byte_datatype: ffi::MPI_Datatype,
    /// Host `MPI_IN_PLACE`.
    pub in_place: *mut std::ffi::c_void,
    /// This process's rank in `MPI_COMM_WORLD`, once MPI is initialized.
    pub world_rank: Option<i32>,
    /// Constructor records and names of datatypes (see `types.rs`).
    pub type_records: super::types::TypeRecords,
}

// `Mpi::rank_to_host` passes non-negative ranks through untranslated.
const _: () = assert!(
    guest::MPI_ANY_SOURCE < 0
        && guest::MPI_PROC_NULL < 0
        && guest::MPI_ROOT < 0
        && guest::MPI_UNDEFINED < 0
);

fn guest_value(name: &str) -> i32 {
    guest::constant(name).unwrap_or_else(|| panic!("guest ABI lacks {name}")) as i32
}

impl Default for Mpi {
    /// Builds the predefined handle tables from the guest ABI and the host's constants.
    fn default() -> Mpi {
        let host = HostConstants::load();
        let mut comms = HandleTable::default();
        for name in ["MPI_COMM_WORLD", "MPI_COMM_SELF"] {
            comms.predefine(
                guest_value(name),
                Comm {
                    host: host.comms[name],
                    errhandler: guest::MPI_ERRORS_ARE_FATAL,
                },
            );
        }
        let mut datatypes = HandleTable::default();
        for dt in guest::DATATYPES {
            if let Some(&handle) = host.datatypes.get(dt.host.host_datatype()) {
                datatypes.predefine(
                    dt.handle,
                    Datatype {
                        host: handle,
                        size: i64::from(dt.size),
                        extent: i64::from(dt.extent),
                        true_lb: 0,
                        // Data spans the whole type but for trailing padding, except in
                        // MPI_SHORT_INT, whose int follows the short after 2 bytes of padding.
                        true_extent: match dt.host {
                            guest::HostType::Int16Int32 => 8,
                            _ => i64::from(dt.size),
                        },
                        name: dt.name,
                    },
                );
            }
        }
        let mut ops = HandleTable::default();
        for (name, value) in guest::CONSTANTS {
            if let Some(&op) = host.ops.get(name).filter(|_| *name != "MPI_OP_NULL") {
                ops.predefine(*value as i32, op);
            }
        }
        let mut infos = HandleTable::default();
        infos.predefine(guest::MPI_INFO_ENV, host.infos["MPI_INFO_ENV"]);
        let mut groups = HandleTable::default();
        groups.predefine(guest::MPI_GROUP_EMPTY, host.groups["MPI_GROUP_EMPTY"]);
        let error_classes = guest::CONSTANTS
            .iter()
            .filter(|(name, _)| name.starts_with("MPI_ERR_") || *name == "MPI_SUCCESS")
            .filter_map(|(name, value)| Some((*host.ints.get(name)? as i32, *value as i32)))
            .collect();
        let special_ranks = [
            "MPI_ANY_SOURCE",
            "MPI_PROC_NULL",
            "MPI_ROOT",
            "MPI_UNDEFINED",
        ]
        .map(|name| (guest_value(name), host.int(name)));
        let in_place = host.pointers["MPI_IN_PLACE"];
        let host_any_tag = host.int("MPI_ANY_TAG");
        let (null_datatype, byte_datatype) = (
            host.datatypes["MPI_DATATYPE_NULL"],
            host.datatypes["MPI_BYTE"],
        );
        let mut messages = HandleTable::default();
        // SAFETY: reading an immutable handle exported by the host MPI shim.
        messages.predefine(guest::MPI_MESSAGE_NO_PROC, unsafe {
            ffi::RSMPI_MESSAGE_NO_PROC
        });
        Mpi {
            host,
            comms,
            datatypes,
            ops,
            groups,
            requests: HandleTable::default(),
            messages,
            infos,
            keyvals: HandleTable::default(),
            attr_area: None,
            wins: HandleTable::default(),
            win_attr_pages: Vec::new(),
            files: super::io::file_table(),
            error_classes,
            special_ranks,
            host_any_tag,
            null_datatype,
            byte_datatype,
            in_place,
            world_rank: None,
            type_records: Default::default(),
        }
    }
}

impl Mpi {
    /// The host's `MPI_REQUEST_NULL`.
    pub fn null_request(&self) -> ffi::MPI_Request {
        // SAFETY: reading an immutable handle exported by the host MPI shim.
        unsafe { ffi::RSMPI_REQUEST_NULL }
    }

    /// Host value of a guest rank (special values translated).
    #[inline]
    pub fn rank_to_host(&self, rank: i32) -> i32 {
        // Every guest special rank is negative; real ranks (the common case) pass unchanged.
        if rank >= 0 {
            return rank;
        }
        self.special_ranks
            .iter()
            .find(|(g, _)| *g == rank)
            .map_or(rank, |(_, h)| *h)
    }

    /// Guest value of a host rank.
    pub fn rank_to_guest(&self, rank: i32) -> i32 {
        self.special_ranks
            .iter()
            .find(|(_, h)| *h == rank)
            .map_or(rank, |(g, _)| *g)
    }

    /// Host value of a guest tag (`MPI_ANY_TAG` translated).
    pub fn tag_to_host(&self, tag: i32) -> i32 {
        if tag == guest::MPI_ANY_TAG {
            self.host_any_tag
        } else {
            tag
        }
    }

    /// Guest value of a host tag.
    pub fn tag_to_guest(&self, tag: i32) -> i32 {
        if tag == self.host_any_tag {
            guest::MPI_ANY_TAG
        } else {
            tag
        }
    }

    /// Guest error class of a host error class.
    pub fn error_class_to_guest(&self, host_class: i32) -> i32 {
        self.error_classes
            .get(&host_class)
            .copied()
            .unwrap_or(guest::MPI_ERR_OTHER)
    }
}
