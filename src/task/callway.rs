//! How an argument is passed to a task (TORC's "call-ways").

/// How one argument of a task is passed; the values are TORC Lite's `CALL_BY_*` constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum CallWay {
    /// `CALL_BY_COP` / `CALL_BY_VAL` (and `CALL_BY_COP2`): a private copy taken at creation.
    Cop = 1,
    /// `CALL_BY_REF`: in/out; the caller's data, written back when the task ran remotely.
    Ref = 2,
    /// `CALL_BY_RES`: out only; remotely a zeroed buffer that is written back.
    Res = 3,
    /// `CALL_BY_PTR`: in only, by address; remotely a buffer holding the data, nothing returns.
    Ptr = 4,
    /// `CALL_BY_VAD`: an opaque machine word passed through untouched.
    Vad = 6,
}

impl CallWay {
    /// Decodes a C call-way constant; `None` for an unknown one.
    pub(crate) fn from_c(v: i32) -> Option<CallWay> {
        match v {
            1 | 5 => Some(CallWay::Cop),
            2 => Some(CallWay::Ref),
            3 => Some(CallWay::Res),
            4 => Some(CallWay::Ptr),
            6 => Some(CallWay::Vad),
            _ => None,
        }
    }

    /// Whether data of `count * size` bytes belongs to this argument (all but VAD).
    pub(crate) fn moves_data(self) -> bool {
        self != CallWay::Vad
    }

    /// Whether the data must be written back to the creator after a remote run.
    pub(crate) fn writes_back(self) -> bool {
        matches!(self, CallWay::Ref | CallWay::Res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_c_constant() {
        assert_eq!(CallWay::from_c(1), Some(CallWay::Cop));
        assert_eq!(CallWay::from_c(5), Some(CallWay::Cop));
        assert_eq!(CallWay::from_c(2), Some(CallWay::Ref));
        assert_eq!(CallWay::from_c(3), Some(CallWay::Res));
        assert_eq!(CallWay::from_c(4), Some(CallWay::Ptr));
        assert_eq!(CallWay::from_c(6), Some(CallWay::Vad));
        for bad in [-1, 0, 7, 100] {
            assert_eq!(CallWay::from_c(bad), None);
        }
        assert!(CallWay::Ref.writes_back() && CallWay::Res.writes_back());
        assert!(!CallWay::Ptr.writes_back() && !CallWay::Cop.writes_back());
        assert!(!CallWay::Vad.moves_data());
    }
}
