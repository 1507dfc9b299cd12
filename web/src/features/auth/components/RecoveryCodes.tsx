interface RecoveryCodesProps {
  codes: string[];
}

export function RecoveryCodes({ codes }: RecoveryCodesProps) {
  return (
    <div className="space-y-2">
      <p className="text-sm font-medium">
        Two-factor authentication is on. Save these recovery codes somewhere safe: each one signs
        you in once if you lose your authenticator app. They are shown only now.
      </p>
      <ul
        aria-label="Recovery codes"
        className="grid grid-cols-2 gap-1 rounded-md bg-slate-100 p-3 font-mono text-sm dark:bg-slate-800"
      >
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
    </div>
  );
}
