// Shared by the pointer tools.

export const CLICK_SLOP = 3; // px of movement before a press becomes a drag
export const DRAG_SEND_MS = 50; // live drag positions go to the server at most this often
