"""Signing certificates (一卡多证), detached declaration signatures and signed receipts.

Entry points for other contexts (see docs/signing.md):

- ``signing.verify``: ``check_json_submission`` / ``check_decmessage_submission`` (the submit
  path's policy) and ``verify_json_signature`` / ``verify_decmessage_signature``, returning a
  ``SignatureCheck`` or raising bilingual 400/403/409/422 errors;
- ``signing.platform``: ``sign_receipt`` / ``verify_receipt`` with the platform's own key;
- ``signing.signer``: the trader-side helpers behind ``singlewindow cert sign``.

The package ``__init__`` imports nothing, so ``singlewindow.models`` can load the ORM models
without pulling in the rest.
"""
