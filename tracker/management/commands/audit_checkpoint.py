from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError

from tracker.audit_chain.checkpoints import CheckpointError, ensure_signing_key, make_checkpoint


class Command(BaseCommand):
    help = "Seal the audit trail and sign its head into the checkpoint store (beat does it too)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key",
            metavar="PATH",
            help="Instead: create an Ed25519 signing key at PATH (mode 0600) and print its public key.",
        )

    def handle(self, *args, new_key, **options):
        if new_key:
            return self.new_key(Path(new_key))
        try:
            record = make_checkpoint()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Checkpoint: {record['count']} rows, last row {record['entry_id']}, head {record['head'][:16]}…,"
            f" signed with key {record['key_id']} at {record['at']}."
        )

    def new_key(self, path: Path) -> None:
        if path.exists():
            raise CommandError(f"{path} exists: a signing key is never overwritten.")
        ensure_signing_key(path)
        public = serialization.load_pem_private_key(path.read_bytes(), password=None).public_key()
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.stdout.write(f"Signing key written to {path}. Its public key (AUDIT_PUBLIC_KEY_FILE for verifiers):")
        self.stdout.write(pem.decode().rstrip())
