# Shared by the scripts that start their own throw-away cluster (sourced, not run).

# Prints a TCP port with no PostgreSQL socket and no listener on localhost; fails after 200 tries.
free_port() {
  local port tries
  for ((tries = 0; tries < 200; tries++)); do
    port=$((54000 + RANDOM % 1000))
    [[ -e "/var/run/postgresql/.s.PGSQL.$port" || -e "/tmp/.s.PGSQL.$port" ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    echo "$port"
    return 0
  done
  return 1
}
